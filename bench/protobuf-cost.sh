#!/usr/bin/env bash
# What protobuf ingest saves the callers and costs the service, per dump (issue 41): the callers' Go code
# marshalling a dump with proto.Marshal against jsoniter.Marshal (bench/gomarshal), and the service's transcoding
# of the protobuf dump against its check of the same dump as JSON (bench/ProtobufCost.java). Needs Debian's
# golang-go protobuf-compiler protoc-gen-go golang-google-protobuf-dev golang-github-json-iterator-go-dev.
# Run from the repository's root after ./mvnw compile.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/golden"
protoc -Isrc/test/resources/protobuf --go_out="$work/src" --go_opt=paths=import recdump.proto
cp bench/gomarshal/main.go "$work/src/golden/"
echo "== callers (Go $(go version | cut -d' ' -f3))"
(cd "$work/src/golden" && GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="$work/cache" go run .)
./mvnw -q -o dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >/dev/null
echo "== service (Java $(java -version 2>&1 | head -1 | cut -d'"' -f2))"
java -cp "target/classes:$(cat target/classpath.txt)" bench/ProtobufCost.java
