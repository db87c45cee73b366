package io.dumpforwarder.protobuf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;

/**
 * A protobuf message written as the JSON the callers' Go code sends today:
 * {@code jsoniter.Marshal} of the {@code protoc-gen-go} struct. Fields in declaration
 * order under their proto names; zero values left out ({@code omitempty}) unless the
 * field tracks presence (a message, a proto3 {@code optional}, a proto2 scalar); 64-bit
 * integers as numbers; enums as numbers; bytes as base64; maps as objects; strings with
 * jsoniter's HTML escaping; floats as Go's shortest form. Unknown fields, and a known
 * field on a wire type it cannot take, are skipped, as Go's unmarshaller does.
 *
 * <p>
 * A oneof and a group are refused when the descriptor is loaded, naming the field:
 * jsoniter writes a oneof as {@code "Name":null} or the Go wrapper's field names, which
 * no collector expects.
 */
public final class Transcoder {

    private final Shape root;

    private final Field[] uid;

    private final Field[] traceId;

    private Transcoder(Shape root, Field[] uid, Field[] traceId) {
        this.root = root;
        this.uid = uid;
        this.traceId = traceId;
    }

    /**
     * The transcoder of one message type of a descriptor set, as
     * {@code protoc --include_imports --descriptor_set_out} writes it.
     * @param descriptorSet the file
     * @param messageType the message's full name, e.g.
     * {@code pbrrec.AlgorithmRecomDumpReq}
     * @return the transcoder
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming what is missing or refused
     */
    public static Transcoder load(Path descriptorSet, String messageType) throws IOException {
        return load(descriptorSet, messageType, "uid", "trace_id");
    }

    /**
     * The transcoder of one message type, reading the uid and the trace id from these
     * fields: a name, or names joined by dots through singular message fields, ending at
     * a string or integer field. A path that does not exist reads nothing.
     * @param descriptorSet the file
     * @param messageType the message's full name
     * @param uidField the uid's field path
     * @param traceIdField the trace id's field path
     * @return the transcoder
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming what is missing or refused
     */
    public static Transcoder load(Path descriptorSet, String messageType, String uidField, String traceIdField)
            throws IOException {
        try (InputStream in = Files.newInputStream(descriptorSet)) {
            return of(FileDescriptorSet.parseFrom(in), messageType, uidField, traceIdField);
        }
    }

    static Transcoder of(FileDescriptorSet set, String messageType) {
        return of(set, messageType, "uid", "trace_id");
    }

    static Transcoder of(FileDescriptorSet set, String messageType, String uidField, String traceIdField) {
        Map<String, FileDescriptorProto> protos = new HashMap<>();
        set.getFileList().forEach((file) -> protos.put(file.getName(), file));
        Map<String, FileDescriptor> built = new HashMap<>();
        for (FileDescriptorProto proto : set.getFileList()) {
            FileDescriptor file = build(proto, protos, built);
            Descriptor message = find(file, messageType);
            if (message != null) {
                Shape root = new Shapes().of(message);
                return new Transcoder(root, path(root, uidField), path(root, traceIdField));
            }
        }
        throw new IllegalArgumentException("no message " + messageType + " in the descriptor set");
    }

    /** Whether the uid's field path names a field. */
    public boolean readsUid() {
        return this.uid.length > 0;
    }

    /** Whether the trace id's field path names a field. */
    public boolean readsTraceId() {
        return this.traceId.length > 0;
    }

    /** The message of this full name in this file, nested ones included. */
    private static Descriptor find(FileDescriptor file, String fullName) {
        List<Descriptor> types = new ArrayList<>(file.getMessageTypes());
        for (int i = 0; i < types.size(); i++) {
            Descriptor type = types.get(i);
            if (type.getFullName().equals(fullName)) {
                return type;
            }
            types.addAll(type.getNestedTypes());
        }
        return null;
    }

    /** The fields of a dotted path, or an empty path when it names no field. */
    private static Field[] path(Shape root, String dotted) {
        String[] names = dotted.split("\\.");
        Field[] path = new Field[names.length];
        Shape shape = root;
        for (int i = 0; i < names.length; i++) {
            Field field = (shape != null) ? shape.named(names[i]) : null;
            if (field == null) {
                return new Field[0];
            }
            boolean last = i == names.length - 1;
            boolean fits = !field.repeated && (last ? field.identifier() : field.type == FieldDescriptor.Type.MESSAGE);
            if (!fits) {
                throw new IllegalArgumentException("field path " + dotted + " must pass through singular message "
                        + "fields to a singular string or integer field, and " + names[i] + " does not fit");
            }
            path[i] = field;
            shape = field.message;
        }
        return path;
    }

    private static FileDescriptor build(FileDescriptorProto proto, Map<String, FileDescriptorProto> protos,
            Map<String, FileDescriptor> built) {
        FileDescriptor file = built.get(proto.getName());
        if (file != null) {
            return file;
        }
        List<FileDescriptor> dependencies = new ArrayList<>();
        for (String name : proto.getDependencyList()) {
            FileDescriptorProto dependency = protos.get(name);
            if (dependency == null) {
                throw new IllegalArgumentException(proto.getName() + " imports " + name
                        + ", which the descriptor set lacks: make it with protoc --include_imports");
            }
            dependencies.add(build(dependency, protos, built));
        }
        try {
            file = FileDescriptor.buildFrom(proto, dependencies.toArray(FileDescriptor[]::new));
        }
        catch (DescriptorValidationException ex) {
            throw new IllegalArgumentException(proto.getName() + " is not a valid descriptor: " + ex.getMessage(), ex);
        }
        built.put(proto.getName(), file);
        return file;
    }

    /**
     * The JSON of the message in these bytes.
     * @param wire the bytes
     * @param offset where the message starts
     * @param length its length
     * @return the JSON
     * @throws MalformedProtobufException naming the byte offset (from {@code offset})
     */
    public byte[] toJson(byte[] wire, int offset, int length) throws MalformedProtobufException {
        JsonBytes out = new JsonBytes(length * 2 + 16);
        new Reading(wire, offset).message(this.root, new long[] { offset, offset + length }, 2, out);
        return out.toByteArray();
    }

    /**
     * The JSON of the message in these bytes, and its identifiers.
     * @param wire the bytes
     * @param offset where the message starts
     * @param length its length
     * @return the JSON and the identifiers
     * @throws MalformedProtobufException naming the byte offset (from {@code offset})
     */
    public Transcoded transcode(byte[] wire, int offset, int length) throws MalformedProtobufException {
        Reading reading = new Reading(wire, offset);
        JsonBytes out = new JsonBytes(length * 2 + 16);
        long[] whole = { offset, offset + length };
        reading.message(this.root, whole, 2, out);
        return new Transcoded(out.toByteArray(), reading.identifier(this.root, whole, this.uid),
                reading.identifier(this.root, whole, this.traceId));
    }

    /** How one message type is read and written: its fields, found by number. */
    static final class Shape {

        final Field[] declared;

        private int[] numbers;

        private Field[] byNumber;

        /** The shape of these fields; {@link #sealed()} once they are all set. */
        Shape(Field[] declared) {
            this.declared = declared;
        }

        Shape sealed() {
            this.byNumber = this.declared.clone();
            Arrays.sort(this.byNumber, (a, b) -> Integer.compare(a.number, b.number));
            this.numbers = Arrays.stream(this.byNumber).mapToInt((field) -> field.number).toArray();
            return this;
        }

        Field field(int number) {
            int at = Arrays.binarySearch(this.numbers, number);
            return (at >= 0) ? this.byNumber[at] : null;
        }

        Field named(String name) {
            for (Field field : this.declared) {
                if (field.name.equals(name)) {
                    return field;
                }
            }
            return null;
        }

    }

    /** One field: its JSON key, kind, and what it holds. */
    static final class Field {

        final int index;

        final int number;

        final String name;

        final byte[] key;

        final FieldDescriptor.Type type;

        final boolean repeated;

        final boolean presence;

        final int wireType;

        /** Whether Go's unmarshaller refuses a string that is not UTF-8 (proto3). */
        final boolean utf8;

        Shape message;

        Field mapKey;

        Field mapValue;

        Field(int index, FieldDescriptor descriptor) {
            this.index = index;
            this.number = descriptor.getNumber();
            this.name = descriptor.getName();
            JsonBytes key = new JsonBytes(descriptor.getName().length() + 3);
            key.string(descriptor.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            key.raw((byte) ':');
            this.key = key.toByteArray();
            this.type = descriptor.getType();
            this.repeated = descriptor.isRepeated();
            this.presence = descriptor.hasPresence();
            this.wireType = descriptor.getLiteType().getWireType();
            this.utf8 = descriptor.getFile().toProto().getSyntax().equals("proto3")
                    || descriptor.getFile().toProto().getSyntax().equals("editions");
        }

        boolean isMap() {
            return this.mapKey != null;
        }

        /** Whether it can hold an identifier: a singular string or integer. */
        boolean identifier() {
            return !this.repeated && switch (this.type) {
                case STRING, INT32, INT64, UINT32, UINT64, SINT32, SINT64, FIXED32, FIXED64, SFIXED32, SFIXED64 -> true;
                default -> false;
            };
        }

    }

    /** The shapes of a message and of those it holds, each made once. */
    private static final class Shapes {

        private final Map<Descriptor, Shape> made = new HashMap<>();

        Shape of(Descriptor message) {
            Shape shape = this.made.get(message);
            if (shape != null) {
                return shape;
            }
            List<FieldDescriptor> descriptors = message.getFields();
            Field[] fields = new Field[descriptors.size()];
            shape = new Shape(fields);
            this.made.put(message, shape);
            for (int i = 0; i < fields.length; i++) {
                FieldDescriptor descriptor = descriptors.get(i);
                if (descriptor.getRealContainingOneof() != null) {
                    throw refused(descriptor, "is in oneof " + descriptor.getRealContainingOneof().getName()
                            + ", which jsoniter writes as the Go wrapper's field names");
                }
                if (descriptor.getType() == FieldDescriptor.Type.GROUP) {
                    throw refused(descriptor, "is a group");
                }
                Field field = new Field(i, descriptor);
                if (descriptor.isMapField()) {
                    Descriptor entry = descriptor.getMessageType();
                    FieldDescriptor key = entry.findFieldByNumber(1);
                    field.mapKey = new Field(0, key);
                    field.mapValue = new Field(1, entry.findFieldByNumber(2));
                    if (field.mapValue.type == FieldDescriptor.Type.MESSAGE) {
                        field.mapValue.message = of(entry.findFieldByNumber(2).getMessageType());
                    }
                }
                else if (descriptor.getType() == FieldDescriptor.Type.MESSAGE) {
                    field.message = of(descriptor.getMessageType());
                }
                fields[i] = field;
            }
            return shape.sealed();
        }

        private static IllegalArgumentException refused(FieldDescriptor field, String why) {
            return new IllegalArgumentException("field " + field.getFullName() + " " + why
                    + ": such a field cannot be forwarded as the callers' JSON");
        }

    }

    /**
     * What one call reads: each message's fields gathered from its bytes (a field may
     * come more than once, in any order), then written in declaration order.
     */
    private static final class Reading {

        /**
         * Messages nested deeper than this are refused: JSON dumps' limit (Jackson's).
         */
        private static final int MAX_DEPTH = 500;

        private final byte[] wire;

        private final int base;

        private int depth;

        Reading(byte[] wire, int base) {
            this.wire = wire;
            this.base = base;
        }

        /**
         * Writes the message whose bytes are these ranges (start, end pairs), read as
         * one: a message field sent more than once is merged, as protobuf does.
         */
        void message(Shape shape, long[] ranges, int rangeCount, JsonBytes out) throws MalformedProtobufException {
            if (++this.depth > MAX_DEPTH) {
                throw new MalformedProtobufException((int) ranges[0] - this.base,
                        "messages nested deeper than " + MAX_DEPTH);
            }
            try {
                fields(shape, ranges, rangeCount, out);
            }
            finally {
                this.depth--;
            }
        }

        private void fields(Shape shape, long[] ranges, int rangeCount, JsonBytes out)
                throws MalformedProtobufException {
            Occurrences[] found = new Occurrences[shape.declared.length];
            for (int r = 0; r < rangeCount; r += 2) {
                scan(shape, (int) ranges[r], (int) ranges[r + 1], found);
            }
            out.raw((byte) '{');
            boolean first = true;
            for (Field field : shape.declared) {
                Occurrences values = found[field.index];
                if (values == null || !written(field, values)) {
                    continue;
                }
                if (!first) {
                    out.raw((byte) ',');
                }
                first = false;
                out.raw(field.key);
                value(field, values, out);
            }
            out.raw((byte) '}');
        }

        /**
         * The value at the end of this path in the message of these ranges, as text; null
         * when left out or zero (as the JSON leaves it out).
         */
        String identifier(Shape shape, long[] ranges, Field[] path) throws MalformedProtobufException {
            for (int depth = 0; depth < path.length; depth++) {
                Occurrences[] found = new Occurrences[shape.declared.length];
                for (int r = 0; r < ranges.length; r += 2) {
                    scan(shape, (int) ranges[r], (int) ranges[r + 1], found);
                }
                Field field = path[depth];
                Occurrences values = found[field.index];
                if (values == null) {
                    return null;
                }
                if (depth < path.length - 1) {
                    ranges = new long[values.count * 2];
                    for (int i = 0; i < values.count; i++) {
                        ranges[2 * i] = start(values.values[i]);
                        ranges[2 * i + 1] = start(values.values[i]) + length(values.values[i]);
                    }
                    shape = field.message;
                    continue;
                }
                int last = values.count - 1;
                if (zero(field, values.wireTypes[last], values.values[last])) {
                    return null;
                }
                JsonBytes text = new JsonBytes(24);
                if (field.type == FieldDescriptor.Type.STRING) {
                    int start = start(values.values[last]);
                    return new String(this.wire, start, length(values.values[last]),
                            java.nio.charset.StandardCharsets.UTF_8);
                }
                single(field, values.wireTypes[last], values.values[last], text);
                return new String(text.toByteArray(), java.nio.charset.StandardCharsets.US_ASCII);
            }
            return null;
        }

        private void scan(Shape shape, int start, int end, Occurrences[] found) throws MalformedProtobufException {
            CodedInputStream in = CodedInputStream.newInstance(this.wire, start, end - start);
            int at = start;
            try {
                while (!in.isAtEnd()) {
                    at = start + in.getTotalBytesRead();
                    int tag = in.readTag();
                    int wireType = WireFormat.getTagWireType(tag);
                    Field field = shape.field(WireFormat.getTagFieldNumber(tag));
                    if (field == null || !takes(field, wireType)) {
                        if (wireType > WireFormat.WIRETYPE_FIXED32) {
                            throw new MalformedProtobufException(at - this.base,
                                    "wire type " + wireType + " does not exist");
                        }
                        in.skipField(tag);
                        continue;
                    }
                    Occurrences values = found[field.index];
                    if (values == null) {
                        values = new Occurrences();
                        found[field.index] = values;
                    }
                    switch (wireType) {
                        case WireFormat.WIRETYPE_VARINT -> values.add(wireType, in.readRawVarint64());
                        case WireFormat.WIRETYPE_FIXED64 -> values.add(wireType, in.readRawLittleEndian64());
                        case WireFormat.WIRETYPE_FIXED32 ->
                            values.add(wireType, in.readRawLittleEndian32() & 0xFFFFFFFFL);
                        default -> {
                            int length = in.readRawVarint32();
                            int from = start + in.getTotalBytesRead();
                            in.skipRawBytes(length);
                            values.add(wireType, ((long) from << 32) | length);
                        }
                    }
                }
            }
            catch (InvalidProtocolBufferException ex) {
                throw new MalformedProtobufException(at - this.base, ex.getMessage());
            }
            catch (IOException ex) {
                throw new MalformedProtobufException(at - this.base, ex.toString());
            }
        }

        /** Whether Go's unmarshaller reads this wire type into this field. */
        private static boolean takes(Field field, int wireType) {
            return wireType == field.wireType
                    || (field.repeated && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED && packable(field.type));
        }

        private static boolean packable(FieldDescriptor.Type type) {
            return switch (type) {
                case STRING, BYTES, MESSAGE, GROUP -> false;
                default -> true;
            };
        }

        /** Whether the field appears in the JSON: jsoniter's omitempty. */
        private boolean written(Field field, Occurrences values) throws MalformedProtobufException {
            if (field.repeated) {
                return values.count > 0 && (field.isMap() || elements(field, values) > 0);
            }
            if (field.type == FieldDescriptor.Type.MESSAGE) {
                return true;
            }
            int last = values.count - 1;
            if (field.type == FieldDescriptor.Type.BYTES) {
                return length(values.values[last]) > 0;
            }
            return field.presence || !zero(field, values.wireTypes[last], values.values[last]);
        }

        private static boolean zero(Field field, int wireType, long value) {
            if (wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                return length(value) == 0;
            }
            return switch (field.type) {
                case DOUBLE -> Double.longBitsToDouble(value) == 0;
                case FLOAT -> Float.intBitsToFloat((int) value) == 0;
                case INT32, UINT32, ENUM, SINT32, FIXED32, SFIXED32 -> (int) value == 0;
                default -> value == 0;
            };
        }

        private void value(Field field, Occurrences values, JsonBytes out) throws MalformedProtobufException {
            if (field.isMap()) {
                map(field, values, out);
            }
            else if (field.repeated) {
                out.raw((byte) '[');
                boolean first = true;
                for (int i = 0; i < values.count; i++) {
                    if (values.wireTypes[i] == WireFormat.WIRETYPE_LENGTH_DELIMITED && packable(field.type)) {
                        first = packed(field, values.values[i], first, out);
                        continue;
                    }
                    if (!first) {
                        out.raw((byte) ',');
                    }
                    first = false;
                    single(field, values.wireTypes[i], values.values[i], out);
                }
                out.raw((byte) ']');
            }
            else if (field.type == FieldDescriptor.Type.MESSAGE) {
                long[] ranges = new long[values.count * 2];
                for (int i = 0; i < values.count; i++) {
                    ranges[2 * i] = start(values.values[i]);
                    ranges[2 * i + 1] = start(values.values[i]) + length(values.values[i]);
                }
                message(field.message, ranges, ranges.length, out);
            }
            else {
                int last = values.count - 1;
                single(field, values.wireTypes[last], values.values[last], out);
            }
        }

        private int elements(Field field, Occurrences values) throws MalformedProtobufException {
            int elements = 0;
            for (int i = 0; i < values.count; i++) {
                if (values.wireTypes[i] == WireFormat.WIRETYPE_LENGTH_DELIMITED && packable(field.type)) {
                    elements += (length(values.values[i]) > 0) ? 1 : 0;
                }
                else {
                    elements++;
                }
            }
            return elements;
        }

        private boolean packed(Field field, long range, boolean first, JsonBytes out)
                throws MalformedProtobufException {
            int start = start(range);
            CodedInputStream in = CodedInputStream.newInstance(this.wire, start, length(range));
            int at = start;
            try {
                while (!in.isAtEnd()) {
                    at = start + in.getTotalBytesRead();
                    int wireType = field.wireType;
                    long value = switch (wireType) {
                        case WireFormat.WIRETYPE_FIXED64 -> in.readRawLittleEndian64();
                        case WireFormat.WIRETYPE_FIXED32 -> in.readRawLittleEndian32() & 0xFFFFFFFFL;
                        default -> in.readRawVarint64();
                    };
                    if (!first) {
                        out.raw((byte) ',');
                    }
                    first = false;
                    single(field, wireType, value, out);
                }
                return first;
            }
            catch (IOException ex) {
                throw new MalformedProtobufException(at - this.base, "a packed " + field.type + " is cut off");
            }
        }

        private void map(Field field, Occurrences entries, JsonBytes out) throws MalformedProtobufException {
            // Go's map: one value a key, the last entry's; jsoniter writes them in the
            // map's own order, here the order the keys first came in.
            Map<String, Occurrences[]> byKey = new LinkedHashMap<>();
            Shape entry = new Shape(new Field[] { field.mapKey, field.mapValue }).sealed();
            for (int i = 0; i < entries.count; i++) {
                Occurrences[] found = new Occurrences[2];
                long range = entries.values[i];
                scan(entry, start(range), start(range) + length(range), found);
                JsonBytes key = new JsonBytes(16);
                mapKey(field.mapKey, found[0], key);
                byKey.put(new String(key.toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1), found);
            }
            out.raw((byte) '{');
            boolean first = true;
            for (Map.Entry<String, Occurrences[]> each : byKey.entrySet()) {
                if (!first) {
                    out.raw((byte) ',');
                }
                first = false;
                out.raw(each.getKey().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                out.raw((byte) ':');
                mapValue(field.mapValue, each.getValue()[1], out);
            }
            out.raw((byte) '}');
        }

        /** A map key as jsoniter writes a Go map's: always a JSON string. */
        private void mapKey(Field key, Occurrences values, JsonBytes out) throws MalformedProtobufException {
            boolean quoted = key.type != FieldDescriptor.Type.STRING;
            if (quoted) {
                out.raw((byte) '"');
            }
            if (values == null) {
                out.ascii(zeroValue(key.type));
            }
            else {
                single(key, values.wireTypes[values.count - 1], values.values[values.count - 1], out);
            }
            if (quoted) {
                out.raw((byte) '"');
            }
        }

        private void mapValue(Field value, Occurrences values, JsonBytes out) throws MalformedProtobufException {
            if (value.type == FieldDescriptor.Type.MESSAGE) {
                if (values == null) {
                    out.raw(new byte[] { '{', '}' });
                }
                else {
                    value(value, values, out);
                }
            }
            else if (values == null) {
                // A value left out: Go's zero value, a nil []byte being null.
                out.ascii(zeroValue(value.type));
            }
            else {
                single(value, values.wireTypes[values.count - 1], values.values[values.count - 1], out);
            }
        }

        private static String zeroValue(FieldDescriptor.Type type) {
            return switch (type) {
                case STRING -> "\"\"";
                case BYTES -> "null";
                case BOOL -> "false";
                default -> "0";
            };
        }

        private void single(Field field, int wireType, long value, JsonBytes out) throws MalformedProtobufException {
            switch (field.type) {
                case INT32, ENUM, SFIXED32 -> out.ascii(Integer.toString((int) value));
                case UINT32, FIXED32 -> out.ascii(Integer.toUnsignedString((int) value));
                case SINT32 -> out.ascii(Integer.toString(CodedInputStream.decodeZigZag32((int) value)));
                case INT64, SFIXED64 -> out.ascii(Long.toString(value));
                case UINT64, FIXED64 -> out.ascii(Long.toUnsignedString(value));
                case SINT64 -> out.ascii(Long.toString(CodedInputStream.decodeZigZag64(value)));
                case BOOL -> out.ascii((value != 0) ? "true" : "false");
                case DOUBLE -> number(field, Double.longBitsToDouble(value), false, out);
                case FLOAT -> number(field, Float.intBitsToFloat((int) value), true, out);
                case STRING -> text(field, value, out);
                case BYTES -> out.base64(this.wire, start(value), length(value));
                case MESSAGE ->
                    message(field.message, new long[] { start(value), start(value) + length(value) }, 2, out);
                default -> throw new IllegalStateException("refused when loaded: " + field.type);
            }
        }

        private void number(Field field, double value, boolean single, JsonBytes out)
                throws MalformedProtobufException {
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                throw new MalformedProtobufException(
                        "field " + new String(field.key, java.nio.charset.StandardCharsets.UTF_8) + " is " + value
                                + ", which JSON cannot hold");
            }
            out.ascii(GoFloats.format(value, single));
        }

        private void text(Field field, long range, JsonBytes out) throws MalformedProtobufException {
            int start = start(range);
            int end = start + length(range);
            if (!field.utf8) {
                // proto2: Go keeps the bytes, and jsoniter writes U+FFFD for each invalid
                // one.
                out.lenientString(this.wire, start, end);
                return;
            }
            // NUL is valid UTF-8 here (the JSON check refuses it in a dump's raw bytes).
            for (int from = start;;) {
                int invalid = io.dumpforwarder.body.Utf8.firstInvalid(this.wire, from, end);
                if (invalid < 0) {
                    break;
                }
                if (this.wire[invalid] != 0) {
                    throw new MalformedProtobufException(invalid - this.base, "a string is not valid UTF-8");
                }
                from = invalid + 1;
            }
            out.string(this.wire, start, end);
        }

        private static int start(long range) {
            return (int) (range >>> 32);
        }

        private static int length(long range) {
            return (int) range;
        }

    }

    /** Each value a field came with: its wire type and its raw value or range. */
    private static final class Occurrences {

        int count;

        int[] wireTypes = new int[2];

        long[] values = new long[2];

        void add(int wireType, long value) {
            if (this.count == this.values.length) {
                this.values = Arrays.copyOf(this.values, this.count * 2);
                this.wireTypes = Arrays.copyOf(this.wireTypes, this.count * 2);
            }
            this.wireTypes[this.count] = wireType;
            this.values[this.count++] = value;
        }

    }

}
