// The callers' way to marshal a dump, both ways: proto.Marshal (what they would send the service) and
// jsoniter.Marshal of the protoc-gen-go struct (the JSON they send the collector today). For each message it
// writes NAME.pb and NAME.json into the directory given; the service's JSON for NAME.pb must equal NAME.json.
// With maps, whose order jsoniter leaves to Go's map iteration, the name ends in -map and only the JSON values
// must be equal.
//
// With "unmarshal DIR" it reads what Go makes of wire bytes written by hand instead: for each NAME.bin of DIR,
// proto.Unmarshal into the generated struct (pbrrec.Legacy when NAME starts with legacy-, the dump otherwise), then
// NAME.json with jsoniter.Marshal of it, or NAME.err with the error of either.
package main

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"

	"golden/pbrrec"

	jsoniter "github.com/json-iterator/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func main() {
	if len(os.Args) == 3 && os.Args[1] == "unmarshal" {
		unmarshal(os.Args[2])
		return
	}
	dir := os.Args[1]
	zero := int32(0)
	messages := map[string]*pbrrec.AlgorithmRecomDumpReq{
		"empty": {},
		"typical": {
			Uid:     9007199254740993,
			TraceId: "4bf92f3577b34da6a3ce929d0e0e4736",
			Scene:   pbrrec.Scene_HOME,
			Candidates: []*pbrrec.Candidate{
				{ItemId: 42, Score: 0.93, Features: []*pbrrec.Feature{{Name: "ctr", Value: 0.031, Embedding: []float32{0.1, -2.5, 3.4028235e38}}}},
				{ItemId: 43, Score: 0.5, Filtered: true},
				{},
			},
			Early: "e",
			Late:  "l",
		},
		"extremes": {
			Uid: math.MaxUint64, I32: math.MinInt32, I64: math.MinInt64, U32: math.MaxUint32,
			S32: -1, S64: math.MaxInt64, F32: math.MaxUint32, F64: math.MaxUint64,
			Sf32: math.MinInt32, Sf64: -1, Ratio: 1.5e-7, Weight: 1e21, Debug: true,
			Recalled: []int64{0, -1, math.MaxInt64}, Scenes: []pbrrec.Scene{pbrrec.Scene_DETAIL, 0, 7},
		},
		"floats": {
			Ratio: 3.14, Weight: 0.1, Top: &pbrrec.Feature{Name: "tiny", Value: 5e-324, Embedding: []float32{1e-6, 1e-7, 1e20, 1e21, 123456789}},
			Candidates: []*pbrrec.Candidate{{Score: 1e-6}, {Score: 9.999999e-7}, {Score: 123456789012345680000}, {Score: math.Copysign(0, -1)}},
			Zeros:      []float64{math.Copysign(0, -1), 0, -1.5},
		},
		"strings": {
			TraceId: "<script>&\"quoted\"\\ \n\r\t\u0000\u0001\u001f\u007f é 漢字 🎉 \u2028\u2029",
			Notes:   []string{"", "a", "<b>"},
			Payload: []byte{0, 1, 2, 250, 251, 252, 253, 254, 255},
			Blobs:   [][]byte{{}, {1}, []byte("hello")},
		},
		"presence": {
			Maybe: &zero, At: &timestamppb.Timestamp{}, Boxed: &wrapperspb.Int64Value{}, Top: &pbrrec.Feature{},
		},
		"wellknown": {
			At: &timestamppb.Timestamp{Seconds: 1767225600, Nanos: 123000000}, Boxed: wrapperspb.Int64(-5),
		},
		"typical-map": {
			Uid: 1,
			ById: map[int64]*pbrrec.Candidate{
				-3: {ItemId: 3, Tags: map[string]string{"a": "1", "b": "", "<": ">"}},
				7:  {},
			},
			Candidates: []*pbrrec.Candidate{{Tags: map[string]string{"k": "v"}}},
			Flags:      map[bool]string{true: "y", false: "<n>"},
		},
	}
	messages["random-floats"] = randomFloats()
	for name, message := range messages {
		wire, err := proto.Marshal(message)
		if err != nil {
			panic(err)
		}
		json, err := jsoniter.Marshal(message)
		if err != nil {
			panic(err)
		}
		write(filepath.Join(dir, name+".pb"), wire)
		write(filepath.Join(dir, name+".json"), json)
	}
}

// Doubles and floats of random bits (no NaN or infinity, which JSON cannot hold), for Go's shortest forms.
func randomFloats() *pbrrec.AlgorithmRecomDumpReq {
	random := rand.New(rand.NewSource(7))
	message := &pbrrec.AlgorithmRecomDumpReq{}
	for i := 0; i < 2000; i++ {
		score := math.Float64frombits(random.Uint64())
		for math.IsNaN(score) || math.IsInf(score, 0) {
			score = math.Float64frombits(random.Uint64())
		}
		embedding := math.Float32frombits(random.Uint32())
		for math.IsNaN(float64(embedding)) || math.IsInf(float64(embedding), 0) {
			embedding = math.Float32frombits(random.Uint32())
		}
		scale := math.Pow(10, float64(random.Intn(40)-20))
		message.Candidates = append(message.Candidates, &pbrrec.Candidate{Score: score,
			Features: []*pbrrec.Feature{{Value: random.Float64() * scale, Embedding: []float32{embedding, float32(random.Float64() * scale)}}}})
	}
	return message
}

func unmarshal(dir string) {
	files, err := filepath.Glob(filepath.Join(dir, "*.bin"))
	if err != nil {
		panic(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(file, ".bin")
		wire, err := os.ReadFile(file)
		if err != nil {
			panic(err)
		}
		var message proto.Message = &pbrrec.AlgorithmRecomDumpReq{}
		if strings.HasPrefix(filepath.Base(name), "legacy-") {
			message = &pbrrec.Legacy{}
		}
		if err := proto.Unmarshal(wire, message); err != nil {
			write(name+".err", []byte("proto.Unmarshal: "+err.Error()))
			continue
		}
		json, err := jsoniter.Marshal(message)
		if err != nil {
			write(name+".err", []byte("jsoniter.Marshal: "+err.Error()))
			continue
		}
		write(name+".json", json)
	}
}

func write(file string, content []byte) {
	if err := os.WriteFile(file, content, 0o644); err != nil {
		panic(err)
	}
}
