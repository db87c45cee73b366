package io.dumpforwarder.protobuf;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the golden test cannot show: what is refused when the descriptor is loaded, and a
 * malformed message refused with the offset of the byte at fault.
 */
class TranscoderTests {

    @Test
    void aOneofIsRefusedWhenLoadedNamingTheField() {
        DescriptorProto message = DescriptorProto.newBuilder()
            .setName("Dump")
            .addOneofDecl(OneofDescriptorProto.newBuilder().setName("kind"))
            .addField(field("text", 1, Type.TYPE_STRING).setOneofIndex(0))
            .build();

        assertThatThrownBy(() -> Transcoder.of(set(message), "t.Dump")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("t.Dump.text")
            .hasMessageContaining("oneof kind");
    }

    @Test
    void aMissingMessageTypeIsRefusedNamingIt() {
        DescriptorProto message = DescriptorProto.newBuilder().setName("Dump").build();

        assertThatThrownBy(() -> Transcoder.of(set(message), "t.Other")).hasMessageContaining("no message t.Other");
    }

    @Test
    void aMalformedMessageIsRefusedWithTheOffsetOfTheByteAtFault() throws Exception {
        Transcoder transcoder = Transcoder.of(set(DescriptorProto.newBuilder()
            .setName("Dump")
            .addField(field("uid", 1, Type.TYPE_UINT64))
            .addField(field("trace_id", 2, Type.TYPE_STRING))
            .build()), "t.Dump");
        assertThat(new String(transcoder.toJson(new byte[] { 8, 42, 18, 1, 'a' }, 0, 5)))
            .isEqualTo("{\"uid\":42,\"trace_id\":\"a\"}");

        // A string of 5 bytes with 1 left: cut off at the field starting at byte 2.
        assertThatThrownBy(() -> transcoder.toJson(new byte[] { 8, 42, 18, 5, 'a' }, 0, 5))
            .isInstanceOfSatisfying(MalformedProtobufException.class, (ex) -> assertThat(ex.offset()).isEqualTo(2));
        // Invalid UTF-8 in a string: the byte itself.
        assertThatThrownBy(() -> transcoder.toJson(new byte[] { 8, 42, 18, 2, 'a', (byte) 0xC0 }, 0, 6))
            .isInstanceOfSatisfying(MalformedProtobufException.class, (ex) -> assertThat(ex.offset()).isEqualTo(5));
        // Wire type 7 does not exist.
        assertThatThrownBy(() -> transcoder.toJson(new byte[] { 8, 42, 0x1F }, 0, 3))
            .isInstanceOfSatisfying(MalformedProtobufException.class, (ex) -> assertThat(ex.offset()).isEqualTo(2));
        // Offsets count from the message's start within the buffer.
        assertThatThrownBy(() -> transcoder.toJson(new byte[] { 99, 99, 8, 42, 18, 5, 'a' }, 2, 5))
            .isInstanceOfSatisfying(MalformedProtobufException.class, (ex) -> assertThat(ex.offset()).isEqualTo(2));
    }

    @Test
    void messagesNestedDeeperThanJsonDumpsMayBeAreRefused() throws Exception {
        DescriptorProto node = DescriptorProto.newBuilder()
            .setName("Node")
            .addField(field("child", 1, Type.TYPE_MESSAGE).setTypeName(".t.Node"))
            .build();
        Transcoder transcoder = Transcoder.of(set(node), "t.Node");

        assertThat(new String(transcoder.toJson(nested(499), 0, nested(499).length))).startsWith("{\"child\":{")
            .contains("{\"child\":{}}}");
        byte[] deep = nested(500);
        assertThatThrownBy(() -> transcoder.toJson(deep, 0, deep.length)).isInstanceOf(MalformedProtobufException.class)
            .hasMessageContaining("nested deeper than 500");
    }

    @Test
    void stringsAndBoolsAreReadAsGoReadsThem() throws Exception {
        DescriptorProto message = DescriptorProto.newBuilder()
            .setName("Dump")
            .addField(field("text", 1, Type.TYPE_STRING))
            .addField(field("flag", 2, Type.TYPE_BOOL))
            .build();
        Transcoder proto3 = Transcoder.of(set(message), "t.Dump");
        Transcoder proto2 = Transcoder.of(FileDescriptorSet.newBuilder()
            .addFile(FileDescriptorProto.newBuilder().setName("t.proto").setPackage("t").addMessageType(message))
            .build(), "t.Dump");

        // NUL is UTF-8; a bool is any varint but zero, above 32 bits too.
        byte[] nul = { 10, 1, 0, 16, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10 };
        assertThat(new String(proto3.toJson(nul, 0, nul.length))).isEqualTo("{\"text\":\"\\u0000\",\"flag\":true}");
        // Not UTF-8: refused in proto3, as Go's unmarshaller does; in proto2 each bad
        // byte is U+FFFD, as jsoniter writes Go's string.
        byte[] bad = { 10, 2, (byte) 0xC3, '(' };
        assertThatThrownBy(() -> proto3.toJson(bad, 0, bad.length)).isInstanceOf(MalformedProtobufException.class);
        assertThat(new String(proto2.toJson(bad, 0, bad.length))).isEqualTo("{\"text\":\"\\ufffd(\"}");
    }

    @Test
    void aMapEntryWithoutItsKeyHasGosZeroKey() throws Exception {
        DescriptorProto entry = DescriptorProto.newBuilder()
            .setName("FlagsEntry")
            .setOptions(com.google.protobuf.DescriptorProtos.MessageOptions.newBuilder().setMapEntry(true))
            .addField(field("key", 1, Type.TYPE_BOOL))
            .addField(field("value", 2, Type.TYPE_STRING))
            .build();
        DescriptorProto message = DescriptorProto.newBuilder()
            .setName("Dump")
            .addNestedType(entry)
            .addField(field("flags", 1, Type.TYPE_MESSAGE).setTypeName(".t.Dump.FlagsEntry")
                .setLabel(Label.LABEL_REPEATED))
            .build();
        Transcoder transcoder = Transcoder.of(set(message), "t.Dump");

        // Entries {value "a"} (no key) and {key true, value "b"}.
        byte[] wire = { 10, 3, 18, 1, 'a', 10, 5, 8, 1, 18, 1, 'b' };
        assertThat(new String(transcoder.toJson(wire, 0, wire.length)))
            .isEqualTo("{\"flags\":{\"false\":\"a\",\"true\":\"b\"}}");
    }

    @Test
    void aMapEntryWithoutItsEnumValueHasTheEnumsFirstValueAsGosDefault() throws Exception {
        // protoc refuses such a map (its enum must start at 0), a descriptor set made
        // otherwise may hold one.
        DescriptorProto entry = DescriptorProto.newBuilder()
            .setName("LevelsEntry")
            .setOptions(com.google.protobuf.DescriptorProtos.MessageOptions.newBuilder().setMapEntry(true))
            .addField(field("key", 1, Type.TYPE_STRING))
            .addField(field("value", 2, Type.TYPE_ENUM).setTypeName(".t.Level"))
            .build();
        DescriptorProto message = DescriptorProto.newBuilder()
            .setName("Dump")
            .addNestedType(entry)
            .addField(field("levels", 1, Type.TYPE_MESSAGE).setTypeName(".t.Dump.LevelsEntry")
                .setLabel(Label.LABEL_REPEATED))
            .build();
        Transcoder transcoder = Transcoder.of(FileDescriptorSet.newBuilder()
            .addFile(FileDescriptorProto.newBuilder()
                .setName("t.proto")
                .setPackage("t")
                .addEnumType(EnumDescriptorProto.newBuilder()
                    .setName("Level")
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("LOW").setNumber(5))
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("HIGH").setNumber(6)))
                .addMessageType(message))
            .build(), "t.Dump");

        // Entries {key "a"} (no value) and {key "b", value 6}.
        byte[] wire = { 10, 3, 10, 1, 'a', 10, 5, 10, 1, 'b', 16, 6 };
        assertThat(new String(transcoder.toJson(wire, 0, wire.length))).isEqualTo("{\"levels\":{\"a\":5,\"b\":6}}");
    }

    @Test
    void identifiersAreTheValuesTheJsonHoldsAtTheirPaths() throws Exception {
        DescriptorProto meta = DescriptorProto.newBuilder()
            .setName("Meta")
            .addField(field("uid", 1, Type.TYPE_SINT64))
            .addField(field("note", 2, Type.TYPE_STRING))
            .build();
        DescriptorProto message = DescriptorProto.newBuilder()
            .setName("Dump")
            .addField(field("meta", 1, Type.TYPE_MESSAGE).setTypeName(".t.Meta"))
            .addField(field("trace", 2, Type.TYPE_FIXED32))
            .addField(field("metas", 3, Type.TYPE_MESSAGE).setTypeName(".t.Meta").setLabel(Label.LABEL_REPEATED))
            .build();
        FileDescriptorSet set = FileDescriptorSet.newBuilder()
            .addFile(FileDescriptorProto.newBuilder()
                .setName("t.proto")
                .setPackage("t")
                .setSyntax("proto3")
                .addMessageType(meta)
                .addMessageType(message))
            .build();
        Transcoder transcoder = Transcoder.of(set, "t.Dump", "meta.uid", "trace");

        // meta {uid -2}, trace 7, metas [{uid 5}], then meta again {note "n", uid -3}.
        // The two metas are merged, the last uid taken; metas is not on the path.
        byte[] wire = { 10, 2, 8, 3, 21, 7, 0, 0, 0, 26, 2, 8, 10, 10, 5, 18, 1, 'n', 8, 5 };
        Transcoded transcoded = transcoder.transcode(wire, 0, wire.length);
        assertThat(new String(transcoded.json()))
            .isEqualTo("{\"meta\":{\"uid\":-3,\"note\":\"n\"},\"trace\":7,\"metas\":[{\"uid\":5}]}");
        assertThat(transcoded.uid()).isEqualTo("-3");
        assertThat(transcoded.traceId()).isEqualTo("7");
        // Zero, as the JSON leaves it out: none; and none without meta.
        byte[] zero = { 10, 2, 8, 0, 21, 0, 0, 0, 0 };
        assertThat(transcoder.transcode(zero, 0, zero.length)).extracting(Transcoded::uid, Transcoded::traceId)
            .containsExactly(null, null);
        byte[] none = { 26, 2, 8, 10 };
        assertThat(transcoder.transcode(none, 0, none.length).uid()).isNull();
        // A path naming no field reads nothing.
        Transcoder elsewhere = Transcoder.of(set, "t.Dump", "meta.other", "trace");
        assertThat(elsewhere.readsUid()).isFalse();
        assertThat(elsewhere.transcode(wire, 0, wire.length).uid()).isNull();
    }

    @Test
    void jsonLongerThanTheLimitIsRefusedAsTooLargeUnlessTheMessageIsMalformed() throws Exception {
        Transcoder transcoder = Transcoder.of(set(DescriptorProto.newBuilder()
            .setName("Dump")
            .addField(field("uid", 1, Type.TYPE_UINT64))
            .addField(field("text", 2, Type.TYPE_STRING))
            .build()), "t.Dump");
        // Four bytes of protobuf, 33 of JSON: each < is written as six.
        byte[] wire = { 18, 2, '<', '<' };
        int length = "{\"text\":\"\\u003c\\u003c\"}".length();

        assertThat(transcoder.transcode(wire, 0, wire.length, length).json()).hasSize(length);
        assertThatThrownBy(() -> transcoder.transcode(wire, 0, wire.length, length - 1))
            .isInstanceOfSatisfying(JsonTooLargeException.class, (ex) -> assertThat(ex.limit()).isEqualTo(length - 1))
            .hasMessageContaining("over the limit of " + (length - 1) + " bytes");
        // Past the limit the message is still read to its end: one cut off after it is
        // malformed, as Go finds it, not too large.
        byte[] cut = { 18, 2, '<', '<', 8 };
        assertThatThrownBy(() -> transcoder.transcode(cut, 0, cut.length, length - 1))
            .isInstanceOf(MalformedProtobufException.class);
        // A megabyte of <, six of JSON, against a limit of a thousand bytes.
        byte[] large = new byte[4 + (1 << 20)];
        System.arraycopy(new byte[] { 18, (byte) 0x80, (byte) 0x80, 0x40 }, 0, large, 0, 4);
        java.util.Arrays.fill(large, 4, large.length, (byte) '<');
        assertThatThrownBy(() -> transcoder.transcode(large, 0, large.length, 1000))
            .isInstanceOf(JsonTooLargeException.class);
        assertThat(transcoder.transcode(large, 0, large.length).json()).hasSize(6 * (1 << 20) + 11);
    }

    /** A Node holding this many Nodes, one in the other. */
    private static byte[] nested(int levels) throws java.io.IOException {
        byte[] inner = new byte[0];
        for (int i = 0; i < levels; i++) {
            java.io.ByteArrayOutputStream outer = new java.io.ByteArrayOutputStream();
            com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(outer);
            out.writeByteArray(1, inner);
            out.flush();
            inner = outer.toByteArray();
        }
        return inner;
    }

    private static FieldDescriptorProto.Builder field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder()
            .setName(name)
            .setNumber(number)
            .setType(type)
            .setLabel(Label.LABEL_OPTIONAL);
    }

    private static FileDescriptorSet set(DescriptorProto message) {
        return FileDescriptorSet.newBuilder()
            .addFile(FileDescriptorProto.newBuilder()
                .setName("t.proto")
                .setPackage("t")
                .setSyntax("proto3")
                .addMessageType(message))
            .build();
    }

}
