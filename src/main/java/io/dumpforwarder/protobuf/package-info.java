/**
 * Protobuf dumps: a caller's binary message, read against a configured descriptor and
 * written as the JSON the callers' Go code sends today ({@code jsoniter.Marshal} of the
 * {@code protoc-gen-go} struct). Uses config only.
 */
package io.dumpforwarder.protobuf;
