// The callers' side of protobuf ingest: what marshalling one dump costs their Go code, proto.Marshal (what they
// would send the service) against jsoniter.Marshal of the same protoc-gen-go struct (the JSON they build today).
// The same two dumps as bench/ProtobufCost.java; medians of 15 rounds. Run by bench/protobuf-cost.sh.
package main

import (
	"fmt"
	"sort"
	"time"

	"golden/pbrrec"

	jsoniter "github.com/json-iterator/go"
	"google.golang.org/protobuf/proto"
)

func dump(candidates, features int) *pbrrec.AlgorithmRecomDumpReq {
	message := &pbrrec.AlgorithmRecomDumpReq{Uid: 9007199254740993, TraceId: "4bf92f3577b34da6a3ce929d0e0e4736",
		Scene: pbrrec.Scene_HOME}
	for c := 0; c < candidates; c++ {
		one := &pbrrec.Candidate{ItemId: uint64(100000 + c), Score: 0.5 + float64(c)/1000}
		for f := 0; f < features; f++ {
			one.Features = append(one.Features, &pbrrec.Feature{Name: fmt.Sprintf("feature_%d", f),
				Value: 0.001 * float64(c+1) * float64(f+1)})
		}
		message.Candidates = append(message.Candidates, one)
	}
	return message
}

func median(per int, step func()) float64 {
	for i := 0; i < per; i++ {
		step()
	}
	rounds := make([]float64, 15)
	for r := range rounds {
		start := time.Now()
		for i := 0; i < per; i++ {
			step()
		}
		rounds[r] = float64(time.Since(start).Nanoseconds()) / float64(per)
	}
	sort.Float64s(rounds)
	return rounds[len(rounds)/2]
}

func main() {
	for _, shape := range [][2]int{{10, 1}, {150, 12}} {
		message := dump(shape[0], shape[1])
		wire, _ := proto.Marshal(message)
		json, _ := jsoniter.Marshal(message)
		per := 100000
		if shape[0] > 10 {
			per = 5000
		}
		fmt.Printf("%d candidates x %d features: protobuf %d bytes, JSON %d bytes\n", shape[0], shape[1], len(wire), len(json))
		fmt.Printf("  jsoniter.Marshal: %8.0f ns\n", median(per, func() { jsoniter.Marshal(message) }))
		fmt.Printf("  proto.Marshal:    %8.0f ns\n", median(per, func() { proto.Marshal(message) }))
	}
}
