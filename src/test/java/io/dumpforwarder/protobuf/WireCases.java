package io.dumpforwarder.protobuf;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wire bytes written by hand, for what Go's {@code proto.Unmarshal} makes of input its
 * own marshaller never writes: unknown fields of every wire type, fields sent twice,
 * packed and unpacked elements mixed, wrong wire types, field numbers and varints out of
 * range, truncations, groups, odd map entries, strings that are not UTF-8, deep nesting.
 * Each case says what Go does with it ({@code GoldenTests} checks that Go still does).
 * Names starting {@code legacy-} are {@code pbrrec.Legacy} ({@code legacy.proto}), the
 * others {@code pbrrec.AlgorithmRecomDumpReq} ({@code recdump.proto}); names ending
 * {@code -map} hold a map, whose order in jsoniter's JSON is Go's map order.
 */
final class WireCases {

    /** Field numbers of {@code AlgorithmRecomDumpReq}. */
    static final int UID = 1;

    static final int TRACE_ID = 2;

    static final int SCENE = 3;

    static final int CANDIDATES = 4;

    static final int I32 = 5;

    static final int U32 = 7;

    static final int S32 = 8;

    static final int F32 = 10;

    static final int F64 = 11;

    static final int RATIO = 14;

    static final int WEIGHT = 15;

    static final int DEBUG = 16;

    static final int PAYLOAD = 17;

    static final int RECALLED = 18;

    static final int SCENES = 19;

    static final int NOTES = 20;

    static final int BY_ID = 21;

    static final int MAYBE = 22;

    static final int AT = 23;

    static final int TOP = 25;

    static final int FLAGS = 28;

    static final int ZEROS = 29;

    /** Field numbers of {@code Candidate} and {@code Feature}. */
    static final int ITEM_ID = 1;

    static final int SCORE = 2;

    static final int FEATURES = 3;

    static final int TAGS = 4;

    static final int NAME = 1;

    static final int VALUE = 2;

    static final int EMBEDDING = 3;

    /** Field numbers of {@code Legacy} and {@code Part}. */
    static final int L_NAME = 1;

    static final int L_LEVEL = 2;

    static final int L_LEVELS = 3;

    static final int L_NOTES = 4;

    static final int L_PART = 5;

    static final int L_PARTS = 6;

    static final int L_CHILD = 7;

    static final int L_HISTORY = 9;

    static final int L_GRADE = 10;

    static final int PART_ID = 1;

    static final int PART_TEXT = 2;

    static final long MAX_FIELD = (1L << 29) - 1;

    private static final int VARINT = 0;

    private static final int FIXED64 = 1;

    private static final int LEN = 2;

    private static final int START_GROUP = 3;

    private static final int END_GROUP = 4;

    private static final int FIXED32 = 5;

    private final Map<String, Case> cases = new LinkedHashMap<>();

    private WireCases() {
    }

    /** Every case, by name. */
    static Map<String, Case> all() {
        WireCases all = new WireCases();
        all.unknownFields();
        all.groups();
        all.repeatedFields();
        all.wrongWireTypes();
        all.fieldNumbersAndTags();
        all.varints();
        all.lengthsAndFixedValues();
        all.strings();
        all.maps();
        all.legacy();
        all.floats();
        all.nesting();
        return all.cases;
    }

    private void unknownFields() {
        accepts("empty", wire());
        accepts("unknown-every-wire-type",
                wire().varint(100, 5)
                    .fixed64(101, -1)
                    .string(102, "x")
                    .fixed32(103, 7)
                    .group(104, wire().varint(1, 1).string(2, "y").group(3, wire().fixed32(1, 7)))
                    .varint(UID, 7)
                    .varint(MAX_FIELD, 1));
        accepts("unknown-in-nested-messages",
                wire().message(CANDIDATES, wire().varint(ITEM_ID, 1)
                    .fixed64(99, 1)
                    .message(FEATURES, wire().string(NAME, "f").fixed32(50, 1).group(51, wire()).varint(52, 1))));
        accepts("unknown-with-invalid-utf8-and-nan", wire().bytes(100, 0xff, 0xfe).fixed64(101, 0x7ff8000000000001L));
    }

    private void groups() {
        accepts("group-empty", wire().tag(100, START_GROUP).tag(100, END_GROUP).varint(UID, 1));
        accepts("group-nested", wire().group(100, wire().group(5, wire().group(5, wire().varint(1, 1)))));
        // Inside a group Go reads field numbers as protowire.ConsumeTag does: up to
        // 2^31-1.
        accepts("group-field-above-the-maximum", wire().group(100, wire().varint(MAX_FIELD + 1, 1)));
        refuses("group-field-above-int32", wire().group(100, wire().varint(1L << 31, 1)));
        refuses("group-field-0", wire().group(100, wire().varint(0, 1)));
        refuses("group-wire-type-6", wire().group(100, wire().tag(1, 6).raw(0)));
        refuses("group-unterminated", wire().tag(100, START_GROUP).varint(1, 1));
        refuses("group-ended-by-another-number", wire().tag(100, START_GROUP).tag(101, END_GROUP));
        refuses("group-inner-ended-by-the-outer", wire().tag(100, START_GROUP).tag(5, START_GROUP).tag(100, END_GROUP));
        refuses("group-inner-truncated", wire().group(100, wire().tag(1, LEN).raw(5, 'a')));
        accepts("group-of-a-known-field", wire().group(UID, wire().varint(2, 9)).string(TRACE_ID, "t"));
        accepts("group-of-a-known-message", wire().group(TOP, wire().string(NAME, "n")).varint(UID, 2));
        refuses("end-group-stray", wire().varint(UID, 1).tag(100, END_GROUP));
        refuses("end-group-of-a-known-field", wire().tag(UID, END_GROUP));
        refuses("end-group-in-a-nested-message", wire().message(TOP, wire().tag(NAME, END_GROUP)));
        accepts("groups-10001-deep", wire().raw(deepGroups(10_001)));
        refuses("groups-10002-deep", wire().raw(deepGroups(10_002)));
    }

    private void repeatedFields() {
        accepts("scalars-last-wins",
                wire().varint(UID, 1)
                    .varint(UID, 2)
                    .string(TRACE_ID, "a")
                    .string(TRACE_ID, "b")
                    .varint(DEBUG, 1)
                    .varint(DEBUG, 0)
                    .varint(I32, 5)
                    .varint(I32, 0)
                    .string(PAYLOAD, "ab")
                    .string(PAYLOAD, "")
                    .fixed32(RATIO, Float.floatToIntBits(1.5f))
                    .fixed32(RATIO, Float.floatToIntBits(2.5f))
                    .varint(MAYBE, 3)
                    .varint(MAYBE, 0));
        accepts("messages-merged",
                wire().message(TOP, wire().string(NAME, "a").packed(EMBEDDING, fixed32s(1, 2)))
                    .message(TOP, wire().fixed64(VALUE, Double.doubleToLongBits(0.5)).fixed32(EMBEDDING, floatBits(3)))
                    .message(TOP, wire().string(NAME, "b"))
                    .message(AT, wire().varint(1, 1767225600))
                    .message(AT, wire().varint(2, 5)));
        accepts("repeated-messages-kept-apart",
                wire().message(CANDIDATES, wire().varint(ITEM_ID, 1)).message(CANDIDATES, wire().varint(SCORE, 0)));
        accepts("packed-and-unpacked-mixed",
                wire().varint(RECALLED, 1)
                    .packed(RECALLED, varints(2, 3))
                    .varint(RECALLED, 4)
                    .packed(RECALLED, new byte[0])
                    .packed(RECALLED, varints(-5))
                    .packed(SCENES, varints(1, 2))
                    .varint(SCENES, 1)
                    .fixed64(ZEROS, Double.doubleToLongBits(1.5))
                    .packed(ZEROS, fixed64s(2.5, -0.0))
                    .message(TOP,
                            wire().fixed32(EMBEDDING, floatBits(1))
                                .packed(EMBEDDING, fixed32s(2))
                                .fixed32(EMBEDDING, floatBits(3))));
        accepts("packed-empty-only", wire().packed(RECALLED, new byte[0]).packed(ZEROS, new byte[0]));
        accepts("packed-overlong-varints",
                wire().packed(RECALLED, concat(tenBytes(1), new byte[] { (byte) 0x81, (byte) 0x80, 0 })));
        refuses("packed-varint-10th-byte-2", wire().packed(RECALLED, tenBytes(2)));
        refuses("packed-varint-truncated", wire().packed(RECALLED, new byte[] { 1, (byte) 0x80 }));
        refuses("packed-fixed64-truncated", wire().packed(ZEROS, new byte[7]));
        refuses("packed-fixed32-truncated", wire().message(TOP, wire().packed(EMBEDDING, new byte[5])));
    }

    private void wrongWireTypes() {
        accepts("wrong-wire-types-skipped",
                wire().fixed64(UID, 1)
                    .varint(TRACE_ID, 1)
                    .fixed32(SCENE, 1)
                    .varint(CANDIDATES, 1)
                    .fixed32(RECALLED, 1)
                    .varint(ZEROS, 1)
                    .varint(NOTES, 1)
                    .fixed64(BY_ID, 1)
                    .string(MAYBE, "x")
                    .fixed32(TOP, 1)
                    .fixed64(RATIO, 1)
                    .fixed32(WEIGHT, 1)
                    .varint(F32, 1)
                    .fixed32(F64, 1)
                    .string(DEBUG, "")
                    .varint(I32, 9));
        refuses("wire-type-6-known", wire().tag(UID, 6).raw(1));
        refuses("wire-type-7-known", wire().tag(TRACE_ID, 7).raw(1));
        refuses("wire-type-6-unknown", wire().tag(100, 6).raw(1));
        refuses("wire-type-7-unknown", wire().tag(100, 7).raw(1));
        refuses("wire-type-6-nested", wire().message(CANDIDATES, wire().tag(9, 6)));
    }

    private void fieldNumbersAndTags() {
        refuses("field-0-varint", wire().varint(0, 1));
        refuses("field-0-len", wire().string(0, "a"));
        refuses("field-0-nested", wire().message(TOP, wire().varint(0, 1)));
        refuses("field-0-in-a-map-entry", wire().message(FLAGS, wire().varint(0, 1)));
        refuses("field-2^29", wire().varint(MAX_FIELD + 1, 1));
        // Its tag's low 32 bits are uid's: protobuf-java's readTag reads it as uid.
        refuses("field-2^29+1", wire().varint(MAX_FIELD + 2, 42));
        refuses("field-2^40", wire().varint(1L << 40, 1));
        refuses("field-above-the-maximum-in-a-map-entry", wire().message(FLAGS, wire().varint(MAX_FIELD + 1, 1)));
        accepts("tag-overlong-6-bytes", wire().raw(0x88, 0x80, 0x80, 0x80, 0x80, 0).raw(42));
        accepts("tag-overlong-10-bytes", wire().raw(0x88, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0).raw(42));
        refuses("tag-10th-byte-2", wire().raw(0x88, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 2).raw(42));
        refuses("tag-11-bytes", wire().raw(0x88, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0).raw(42));
        refuses("tag-truncated", wire().varint(UID, 1).raw(0x88));
    }

    private void varints() {
        accepts("varint-10-bytes", wire().tag(UID, VARINT).raw(tenBytes(1)));
        refuses("varint-10th-byte-2", wire().tag(UID, VARINT).raw(tenBytes(2)));
        refuses("varint-10th-byte-0x81", wire().tag(UID, VARINT).raw(tenBytes(0x81)).raw(0));
        refuses("varint-11-bytes", wire().tag(UID, VARINT).raw(concat(tenBytes(0x80), new byte[] { 0 })));
        accepts("varint-overlong-zero", wire().tag(I32, VARINT).raw(0x80, 0x80, 0));
        accepts("varints-cut-to-their-kind",
                wire().varint(I32, (1L << 32) + 5)
                    .varint(U32, (1L << 32) + 7)
                    .varint(SCENE, (1L << 32) + 2)
                    .varint(S32, (1L << 32) + 3)
                    .varint(DEBUG, 1L << 35)
                    .varint(MAYBE, 1L << 32));
        refuses("varint-truncated", wire().tag(UID, VARINT).raw(0x80, 0x80));
        refuses("varint-truncated-nested", wire().message(CANDIDATES, wire().tag(ITEM_ID, VARINT).raw(0x80)));
    }

    private void lengthsAndFixedValues() {
        refuses("length-past-the-end", wire().tag(TRACE_ID, LEN).raw(5, 'a'));
        // The feature's length fits the dump but not the candidate holding it.
        refuses("length-past-the-nested-end",
                wire().tag(CANDIDATES, LEN).raw(3).tag(FEATURES, LEN).raw(5, 10).string(TRACE_ID, "abcd"));
        refuses("length-2^32-1", wire().tag(TRACE_ID, LEN).raw(0xff, 0xff, 0xff, 0xff, 0x0f, 'a'));
        // Its low 32 bits are 1: protobuf-java's readRawVarint32 reads a length of 1.
        refuses("length-2^32+1", wire().tag(TRACE_ID, LEN).raw(0x81, 0x80, 0x80, 0x80, 0x10, 'a'));
        refuses("length-10-bytes-huge", wire().tag(TRACE_ID, LEN).raw(tenBytes(1)).raw('a'));
        accepts("length-overlong", wire().tag(TRACE_ID, LEN).raw(0x82, 0x80, 0).raw('a', 'b'));
        refuses("length-truncated", wire().tag(TRACE_ID, LEN).raw(0x80));
        refuses("length-past-the-end-unknown", wire().tag(100, LEN).raw(5, 'a'));
        refuses("fixed32-truncated", wire().tag(F32, FIXED32).raw(1, 2, 3));
        refuses("fixed64-truncated", wire().tag(F64, FIXED64).raw(1, 2, 3, 4, 5, 6, 7));
        refuses("fixed32-truncated-unknown", wire().tag(100, FIXED32).raw(1, 2, 3));
        refuses("fixed64-truncated-unknown", wire().tag(100, FIXED64).raw(1, 2, 3, 4, 5, 6, 7));
    }

    private void strings() {
        accepts("utf8-nul-and-the-last-code-point", wire().bytes(TRACE_ID, 'a', 0, 0xf4, 0x8f, 0xbf, 0xbf));
        refuses("utf8-earlier-invalid", wire().bytes(TRACE_ID, 0xc0).string(TRACE_ID, "ok"));
        refuses("utf8-earlier-invalid-last-empty", wire().bytes(TRACE_ID, 0xff).string(TRACE_ID, ""));
        refuses("utf8-earlier-invalid-merged",
                wire().message(TOP, wire().bytes(NAME, 0xff)).message(TOP, wire().string(NAME, "ok")));
        refuses("utf8-invalid-repeated", wire().string(NOTES, "ok").bytes(NOTES, 0xed, 0xa0, 0x80));
        refuses("utf8-overlong", wire().bytes(TRACE_ID, 0xc0, 0x80));
        refuses("utf8-surrogate", wire().bytes(TRACE_ID, 0xed, 0xa0, 0x80));
        refuses("utf8-above-the-last-code-point", wire().bytes(TRACE_ID, 0xf4, 0x90, 0x80, 0x80));
        refuses("utf8-cut-off", wire().bytes(TRACE_ID, 'a', 0xe4, 0xb8));
        refuses("utf8-lone-continuation", wire().bytes(TRACE_ID, 0x80));
        refuses("utf8-invalid-map-key", wire().message(CANDIDATES, wire().message(TAGS, wire().bytes(1, 0xff))));
        refuses("utf8-invalid-map-key-sent-twice",
                wire().message(CANDIDATES, wire().message(TAGS, wire().bytes(1, 0xff).string(1, "k").string(2, "v"))));
        refuses("utf8-invalid-map-value-overwritten",
                wire().message(CANDIDATES, wire().message(TAGS, wire().string(1, "k").bytes(2, 0xff))
                    .message(TAGS, wire().string(1, "k").string(2, "v"))));
        accepts("utf8-invalid-bytes", wire().bytes(PAYLOAD, 0xff, 0xc0));
    }

    private void maps() {
        accepts("map-entry-without-key-map",
                wire().message(BY_ID, wire().message(2, wire().varint(ITEM_ID, 3)))
                    .message(FLAGS, wire().string(2, "y"))
                    .message(CANDIDATES, wire().message(TAGS, wire().string(2, "v"))));
        accepts("map-entry-without-value-map",
                wire().message(BY_ID, wire().varint(1, 7))
                    .message(FLAGS, wire().varint(1, 1))
                    .message(CANDIDATES, wire().message(TAGS, wire().string(1, "k"))));
        accepts("map-entry-empty-map", wire().message(BY_ID, wire()).message(FLAGS, wire()));
        accepts("map-entry-unknown-fields-map",
                wire().message(BY_ID,
                        wire().varint(3, 1)
                            .varint(1, -3)
                            .group(4, wire().varint(1, 1))
                            .fixed32(5, 1)
                            .message(2, wire().varint(ITEM_ID, 3))
                            .fixed64(6, 1)
                            .string(7, "x")));
        accepts("map-duplicate-keys-map",
                wire().message(BY_ID, wire().varint(1, 1).message(2, wire().varint(ITEM_ID, 1)))
                    .message(BY_ID, wire().varint(1, 2).message(2, wire().varint(ITEM_ID, 2)))
                    .message(BY_ID, wire().varint(1, 1).message(2, wire().varint(ITEM_ID, 3)))
                    .message(BY_ID, wire().message(2, wire().varint(ITEM_ID, 4)))
                    .message(BY_ID, wire().varint(1, 0).message(2, wire().varint(SCORE, 0)))
                    .message(FLAGS, wire().varint(1, 2).string(2, "two"))
                    .message(FLAGS, wire().varint(1, 1L << 40).string(2, "big"))
                    .message(FLAGS, wire().string(2, "none"))
                    .message(FLAGS, wire().varint(1, 0).string(2, "zero")));
        accepts("map-key-sent-twice-in-an-entry-map",
                wire().message(FLAGS, wire().varint(1, 0).varint(1, 1).string(2, "x")));
        accepts("map-value-message-merged-in-an-entry-map",
                wire().message(BY_ID,
                        wire().varint(1, 1)
                            .message(2, wire().varint(ITEM_ID, 5))
                            .message(2, wire().fixed64(SCORE, Double.doubleToLongBits(0.5)))));
        accepts("map-key-and-value-of-wrong-wire-types-map",
                wire().message(BY_ID, wire().string(1, "ab").message(2, wire().varint(ITEM_ID, 6)))
                    .message(BY_ID, wire().varint(1, 2).varint(2, 5))
                    .message(FLAGS, wire().varint(1, 1).varint(2, 1)));
        accepts("map-field-of-a-wrong-wire-type", wire().varint(BY_ID, 1).fixed32(FLAGS, 1));
        refuses("map-entry-end-group", wire().message(FLAGS, wire().varint(1, 1).tag(2, END_GROUP)));
        refuses("map-entry-wire-type-7", wire().message(FLAGS, wire().tag(1, 7)));
        refuses("map-entry-truncated", wire().message(FLAGS, wire().tag(2, LEN).raw(9)));
        refuses("map-value-malformed-overwritten",
                wire().message(BY_ID, wire().varint(1, 1).message(2, wire().tag(ITEM_ID, VARINT).raw(0x80)))
                    .message(BY_ID, wire().varint(1, 1).message(2, wire().varint(ITEM_ID, 1))));
        accepts("map-value-nan-overwritten-map",
                wire().message(BY_ID, wire().varint(1, 1).message(2, wire().fixed64(SCORE, 0x7ff8000000000000L)))
                    .message(BY_ID, wire().varint(1, 1).message(2, wire().varint(ITEM_ID, 1))));
        refuses("map-value-nan",
                wire().message(BY_ID, wire().varint(1, 1).message(2, wire().fixed64(SCORE, 0x7ff8000000000000L))));
    }

    private void legacy() {
        accepts("legacy-utf8-invalid-kept",
                wire().bytes(L_NAME, 0xc0, 0x80, 'a', 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0x80, 0xe4, 0xb8)
                    .bytes(L_NOTES, 0xff)
                    .string(L_NOTES, "ok"));
        accepts("legacy-utf8-invalid-earlier", wire().bytes(L_NAME, 0xff).string(L_NAME, "ok"));
        // Two keys Go tells apart and jsoniter writes alike: the same value, so that
        // either order reads as the same JSON.
        accepts("legacy-utf8-invalid-map-keys-map",
                wire().message(L_LEVELS, wire().bytes(1, 0xff).varint(2, 5))
                    .message(L_LEVELS, wire().bytes(1, 0xfe).varint(2, 5))
                    .message(L_LEVELS, wire().bytes(1, 0xfe).varint(2, 5)));
        accepts("legacy-map-entry-without-value-map", wire().message(L_LEVELS, wire().string(1, "a")));
        accepts("legacy-map-entry-without-key-map", wire().message(L_LEVELS, wire().varint(2, 6)));
        accepts("legacy-enums-as-sent",
                wire().varint(L_LEVEL, 7).varint(L_GRADE, 0).packed(L_HISTORY, varints(5, 6, 0)).varint(L_HISTORY, 9));
        accepts("legacy-required-present", wire().message(L_PART, wire().varint(PART_ID, 0)));
        accepts("legacy-required-merged",
                wire().message(L_PART, wire().string(PART_TEXT, "a")).message(L_PART, wire().varint(PART_ID, 1)));
        refuses("legacy-required-missing", wire().message(L_PART, wire().string(PART_TEXT, "a")));
        refuses("legacy-required-of-a-wrong-wire-type", wire().message(L_PART, wire().fixed32(PART_ID, 1)));
        refuses("legacy-required-missing-in-a-child",
                wire().message(L_CHILD, wire().message(L_CHILD, wire().message(L_PART, wire()))));
        refuses("legacy-required-missing-in-a-map-value",
                wire().message(L_PARTS, wire().varint(1, 1).message(2, wire().string(PART_TEXT, "a"))));
        refuses("legacy-required-missing-map-value-left-out", wire().message(L_PARTS, wire().varint(1, 1)));
        accepts("legacy-required-missing-in-an-overwritten-map-value-map",
                wire().message(L_PARTS, wire().varint(1, 1).message(2, wire().string(PART_TEXT, "a")))
                    .message(L_PARTS, wire().varint(1, 1).message(2, wire().varint(PART_ID, 2))));
    }

    private void floats() {
        refuses("nan", wire().fixed64(WEIGHT, 0x7ff8000000000000L));
        refuses("infinity", wire().fixed32(RATIO, Float.floatToIntBits(Float.NEGATIVE_INFINITY)));
        refuses("nan-packed", wire().packed(ZEROS, fixed64s(1, Double.NaN)));
        accepts("nan-overwritten", wire().fixed64(WEIGHT, 0x7ff8000000000000L).fixed64(WEIGHT, 0x3ff8000000000000L));
        accepts("negative-zero",
                wire().fixed64(WEIGHT, Double.doubleToLongBits(-0.0)).packed(ZEROS, fixed64s(-0.0, 0.0)));
    }

    private void nesting() {
        accepts("legacy-nested-500", nested(499));
        // The service refuses messages nested deeper than 500 (JSON dumps' limit);
        // Go's limit is 10,000.
        this.cases.put("legacy-nested-501", new Case(nested(500).toByteArray(), Verdict.GO_ONLY_ACCEPTS));
    }

    /** A Legacy holding this many Legacy messages, one in the other. */
    private static Wire nested(int levels) {
        Wire message = wire().string(L_NAME, "leaf");
        for (int i = 0; i < levels; i++) {
            message = wire().message(L_CHILD, message);
        }
        return message;
    }

    private static byte[] deepGroups(int levels) {
        Wire groups = wire();
        for (int i = 0; i < levels; i++) {
            groups.tag(100 + (i % 2), START_GROUP);
        }
        for (int i = levels - 1; i >= 0; i--) {
            groups.tag(100 + (i % 2), END_GROUP);
        }
        return groups.toByteArray();
    }

    /** A varint of ten bytes: nine of 0xff, then this one. */
    private static byte[] tenBytes(int last) {
        byte[] bytes = new byte[10];
        java.util.Arrays.fill(bytes, (byte) 0xff);
        bytes[9] = (byte) last;
        return bytes;
    }

    private static byte[] varints(long... values) {
        Wire wire = wire();
        for (long value : values) {
            wire.rawVarint(value);
        }
        return wire.toByteArray();
    }

    private static byte[] fixed32s(float... values) {
        Wire wire = wire();
        for (float value : values) {
            wire.rawFixed(Float.floatToIntBits(value), 4);
        }
        return wire.toByteArray();
    }

    private static byte[] fixed64s(double... values) {
        Wire wire = wire();
        for (double value : values) {
            wire.rawFixed(Double.doubleToRawLongBits(value), 8);
        }
        return wire.toByteArray();
    }

    private static int floatBits(float value) {
        return Float.floatToIntBits(value);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static Wire wire() {
        return new Wire();
    }

    private void accepts(String name, Wire wire) {
        this.cases.put(name, new Case(wire.toByteArray(), Verdict.GO_ACCEPTS));
    }

    private void refuses(String name, Wire wire) {
        this.cases.put(name, new Case(wire.toByteArray(), Verdict.GO_REFUSES));
    }

    /** What Go does with a case, and the service with it. */
    enum Verdict {

        GO_ACCEPTS,

        GO_REFUSES,

        /** Go accepts it, the service refuses it by design. */
        GO_ONLY_ACCEPTS

    }

    /**
     * One case.
     *
     * @param wire its bytes
     * @param verdict what Go does with it
     */
    record Case(byte[] wire, Verdict verdict) {

    }

    /** Protobuf's wire format, written a piece at a time, valid or not. */
    static final class Wire {

        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Wire tag(long number, int wireType) {
            return rawVarint((number << 3) | wireType);
        }

        Wire varint(long number, long value) {
            return tag(number, VARINT).rawVarint(value);
        }

        Wire fixed32(long number, int value) {
            return tag(number, FIXED32).rawFixed(value, 4);
        }

        Wire fixed64(long number, long value) {
            return tag(number, FIXED64).rawFixed(value, 8);
        }

        Wire string(long number, String value) {
            return len(number, value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }

        /** A length-delimited field of these bytes, given as ints for brevity. */
        Wire bytes(long number, int... value) {
            return len(number, new Wire().raw(value).toByteArray());
        }

        Wire message(long number, Wire message) {
            return len(number, message.toByteArray());
        }

        Wire packed(long number, byte[] elements) {
            return len(number, elements);
        }

        Wire group(long number, Wire fields) {
            return tag(number, START_GROUP).raw(fields.toByteArray()).tag(number, END_GROUP);
        }

        Wire len(long number, byte[] value) {
            return tag(number, LEN).rawVarint(value.length).raw(value);
        }

        Wire rawVarint(long value) {
            long rest = value;
            while ((rest & ~0x7FL) != 0) {
                this.bytes.write((int) (rest & 0x7F) | 0x80);
                rest >>>= 7;
            }
            this.bytes.write((int) rest);
            return this;
        }

        Wire rawFixed(long value, int size) {
            for (int i = 0; i < size; i++) {
                this.bytes.write((int) (value >>> (8 * i)));
            }
            return this;
        }

        Wire raw(int... value) {
            for (int b : value) {
                this.bytes.write(b);
            }
            return this;
        }

        Wire raw(byte[] value) {
            this.bytes.writeBytes(value);
            return this;
        }

        byte[] toByteArray() {
            return this.bytes.toByteArray();
        }

    }

}
