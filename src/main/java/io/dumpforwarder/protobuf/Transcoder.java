package io.dumpforwarder.protobuf;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
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
 * The wire is read as Go's {@code proto.Unmarshal} reads it (google.golang.org/protobuf
 * 1.28), refusing what it refuses: a varint of more than 64 bits, a field number of 0 or
 * above 2^29-1, a length past the end of its message, wire types 6 and 7, an end-group
 * tag without its start, a proto3 string that is not UTF-8 in any occurrence (an earlier
 * one included, or a map entry's that a later one replaces), a proto2 required field left
 * out. {@code GoldenTests} holds the cases.
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
        return transcode(wire, offset, length).json();
    }

    /**
     * The JSON of the message in these bytes, and its identifiers, with no limit but what
     * one array holds.
     * @param wire the bytes
     * @param offset where the message starts
     * @param length its length
     * @return the JSON and the identifiers
     * @throws MalformedProtobufException naming the byte offset (from {@code offset}), or
     * when the JSON would be larger than an array can be
     */
    public Transcoded transcode(byte[] wire, int offset, int length) throws MalformedProtobufException {
        try {
            return transcode(wire, offset, length, JsonBytes.MAX_LENGTH);
        }
        catch (JsonTooLargeException ex) {
            throw new MalformedProtobufException(ex.getMessage() + ", more than an array holds");
        }
    }

    /**
     * The JSON of the message in these bytes, and its identifiers; writing stops as soon
     * as the JSON is longer than {@code maxJsonLength}.
     * @param wire the bytes
     * @param offset where the message starts
     * @param length its length
     * @param maxJsonLength the most bytes of JSON taken
     * @return the JSON and the identifiers
     * @throws MalformedProtobufException naming the byte offset (from {@code offset})
     * @throws JsonTooLargeException when the JSON is longer than {@code maxJsonLength}
     */
    public Transcoded transcode(byte[] wire, int offset, int length, int maxJsonLength)
            throws MalformedProtobufException, JsonTooLargeException {
        JsonBytes out = new JsonBytes((int) Math.min(length * 2L + 16, maxJsonLength), maxJsonLength);
        Reading reading = new Reading(wire, offset, this.uid, this.traceId);
        reading.root(this.root, offset, length, out);
        if (out.isOver()) {
            throw new JsonTooLargeException(maxJsonLength);
        }
        return new Transcoded(out.toByteArray(), reading.uid, reading.traceId);
    }

    /** How one message type is read and written: its fields, found by number. */
    static final class Shape {

        /**
         * Field numbers below this are found in an array, the others by binary search.
         */
        private static final int DENSE = 128;

        final Field[] declared;

        /** The indexes of the proto2 required fields. */
        int[] required;

        private int[] numbers;

        private Field[] byNumber;

        private Field[] dense;

        /** The shape of these fields; {@link #sealed()} once they are all set. */
        Shape(Field[] declared) {
            this.declared = declared;
        }

        Shape sealed() {
            this.byNumber = this.declared.clone();
            Arrays.sort(this.byNumber, (a, b) -> Integer.compare(a.number, b.number));
            this.numbers = Arrays.stream(this.byNumber).mapToInt((field) -> field.number).toArray();
            int top = (this.numbers.length > 0) ? this.numbers[this.numbers.length - 1] : 0;
            this.dense = new Field[Math.min(top + 1, DENSE)];
            for (Field field : this.declared) {
                if (field.number < this.dense.length) {
                    this.dense[field.number] = field;
                }
            }
            this.required = Arrays.stream(this.declared)
                .filter((field) -> field.required)
                .mapToInt((field) -> field.index)
                .toArray();
            return this;
        }

        Field field(int number) {
            if (number < this.dense.length) {
                return this.dense[number];
            }
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

        final String fullName;

        final byte[] key;

        final FieldDescriptor.Type type;

        final boolean repeated;

        final boolean presence;

        final boolean required;

        final int wireType;

        /** Whether it is repeated and packable: Go takes it packed or not. */
        final boolean packable;

        /** Whether Go's unmarshaller refuses a string that is not UTF-8 (proto3). */
        final boolean utf8;

        /** Its JSON when a map entry leaves it out: Go's default, a map key's quoted. */
        final byte[] absent;

        Shape message;

        Field mapKey;

        Field mapValue;

        /** A map's entries, as a message of its key and value. */
        Shape entry;

        Field(int index, FieldDescriptor descriptor) {
            this.index = index;
            this.number = descriptor.getNumber();
            this.name = descriptor.getName();
            this.fullName = descriptor.getFullName();
            JsonBytes key = new JsonBytes(descriptor.getName().length() + 3);
            key.string(descriptor.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            key.raw((byte) ':');
            this.key = key.toByteArray();
            this.type = descriptor.getType();
            this.repeated = descriptor.isRepeated();
            this.presence = descriptor.hasPresence();
            this.required = descriptor.isRequired();
            this.wireType = descriptor.getLiteType().getWireType();
            this.packable = this.repeated && switch (this.type) {
                case STRING, BYTES, MESSAGE, GROUP -> false;
                default -> true;
            };
            this.utf8 = this.type == FieldDescriptor.Type.STRING
                    && (descriptor.getFile().toProto().getSyntax().equals("proto3")
                            || descriptor.getFile().toProto().getSyntax().equals("editions"));
            String absent = switch (this.type) {
                case STRING -> "\"\"";
                case BYTES -> "null";
                case BOOL -> "false";
                // A map's enum value left out: Go's default, the enum's first value.
                case ENUM -> (this.repeated) ? "0"
                        : Integer.toString(((EnumValueDescriptor) descriptor.getDefaultValue()).getNumber());
                default -> "0";
            };
            boolean quoted = descriptor.getNumber() == 1 && descriptor.getContainingType().getOptions().getMapEntry()
                    && this.type != FieldDescriptor.Type.STRING;
            this.absent = (quoted ? "\"" + absent + "\"" : absent).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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

        /** Whether Go's unmarshaller reads this wire type into this field. */
        boolean takes(int wireType) {
            return wireType == this.wireType || (this.packable && wireType == WireFormat.WIRETYPE_LENGTH_DELIMITED);
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
                    field.mapKey = new Field(0, entry.findFieldByNumber(1));
                    field.mapValue = new Field(1, entry.findFieldByNumber(2));
                    if (field.mapValue.type == FieldDescriptor.Type.MESSAGE) {
                        field.mapValue.message = of(entry.findFieldByNumber(2).getMessageType());
                    }
                    field.entry = new Shape(new Field[] { field.mapKey, field.mapValue }).sealed();
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
     *
     * <p>
     * Each value a field came with (its occurrence: wire type, and raw value or range) is
     * kept on a stack shared by the messages being read, a message's after its parent's,
     * linked field by field through {@code next}; a message's table holds each field's
     * first and last occurrence. A message's are dropped once it is written.
     */
    private static final class Reading {

        /**
         * Messages nested deeper than this are refused: JSON dumps' limit (Jackson's).
         */
        private static final int MAX_DEPTH = 500;

        /**
         * Groups of an unknown field nested deeper than this are refused, as Go's
         * {@code protowire.ConsumeFieldValue} refuses them.
         */
        private static final int MAX_GROUP_DEPTH = 10_001;

        private static final long MAX_FIELD_NUMBER = (1 << 29) - 1;

        private static final int VARINT = WireFormat.WIRETYPE_VARINT;

        private static final int FIXED64 = WireFormat.WIRETYPE_FIXED64;

        private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;

        private static final int START_GROUP = WireFormat.WIRETYPE_START_GROUP;

        private static final int END_GROUP = WireFormat.WIRETYPE_END_GROUP;

        private static final int FIXED32 = WireFormat.WIRETYPE_FIXED32;

        private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
                ByteOrder.LITTLE_ENDIAN);

        private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class,
                ByteOrder.LITTLE_ENDIAN);

        private final byte[] wire;

        private final int base;

        private final Field[] uidPath;

        private final Field[] traceIdPath;

        String uid;

        String traceId;

        private int depth;

        /** Where the last varint read ends. */
        private int pos;

        private int top;

        private int[] wireTypes = new int[64];

        private long[] values = new long[64];

        private int[] next = new int[64];

        /** Each depth's table of first and last occurrences, reused. */
        private int[][] tables = new int[16][];

        /** Where map values that a later entry replaces are written: nowhere. */
        private JsonBytes discarded;

        Reading(byte[] wire, int base, Field[] uidPath, Field[] traceIdPath) {
            this.wire = wire;
            this.base = base;
            this.uidPath = uidPath;
            this.traceIdPath = traceIdPath;
        }

        void root(Shape shape, int offset, int length, JsonBytes out) throws MalformedProtobufException {
            int root = occurrence(LEN, range(offset, length));
            int paths = ((this.uidPath.length > 0) ? 1 : 0) | ((this.traceIdPath.length > 0) ? 2 : 0);
            message(shape, root, true, paths, out);
        }

        /**
         * Writes the message whose bytes are those of this occurrence (none: -1) and, if
         * {@code merge}, of those linked after it, read as one: a message field sent more
         * than once is merged, as protobuf does. {@code paths} says whose identifier path
         * runs through it: 1 the uid's, 2 the trace id's.
         */
        private void message(Shape shape, int occurrence, boolean merge, int paths, JsonBytes out)
                throws MalformedProtobufException {
            if (++this.depth > MAX_DEPTH) {
                String deep = "messages nested deeper than " + MAX_DEPTH;
                throw (occurrence >= 0)
                        ? new MalformedProtobufException(start(this.values[occurrence]) - this.base, deep)
                        : new MalformedProtobufException(deep);
            }
            int mark = this.top;
            int n = shape.declared.length;
            int[] table = table(n);
            for (int k = occurrence; k >= 0; k = merge ? this.next[k] : -1) {
                long range = this.values[k];
                scan(shape, start(range), start(range) + length(range), table, n);
            }
            if (!out.discards()) {
                for (int required : shape.required) {
                    if (table[required] < 0) {
                        throw new MalformedProtobufException(
                                "required field " + shape.declared[required].fullName + " is missing");
                    }
                }
            }
            out.raw((byte) '{');
            boolean first = true;
            Field[] declared = shape.declared;
            for (int i = 0; i < n; i++) {
                int head = table[i];
                if (head < 0) {
                    continue;
                }
                Field field = declared[i];
                int last = table[n + i];
                int through = (paths != 0) ? identifiers(field, last, paths) : 0;
                if (field.utf8 && !field.repeated && head != last) {
                    // Each occurrence was read, and so checked, by Go.
                    for (int k = head; k != last; k = this.next[k]) {
                        utf8(this.values[k]);
                    }
                }
                if (!written(field, head, last)) {
                    continue;
                }
                if (!first) {
                    out.raw((byte) ',');
                }
                first = false;
                out.raw(field.key);
                value(field, head, last, through, out);
            }
            out.raw((byte) '}');
            this.top = mark;
            this.depth--;
        }

        /**
         * Takes the identifiers that end at this field, and says whose path goes on
         * through it.
         */
        private int identifiers(Field field, int last, int paths) throws MalformedProtobufException {
            int through = 0;
            int level = this.depth - 1;
            for (int path = 1; path <= 2; path <<= 1) {
                Field[] fields = (path == 1) ? this.uidPath : this.traceIdPath;
                if ((paths & path) == 0 || fields[level] != field) {
                    continue;
                }
                if (level < fields.length - 1) {
                    through |= path;
                    continue;
                }
                String text = identifier(field, last);
                if (path == 1) {
                    this.uid = text;
                }
                else {
                    this.traceId = text;
                }
            }
            return through;
        }

        /** The value as text; null when zero, as the JSON leaves it out. */
        private String identifier(Field field, int last) throws MalformedProtobufException {
            long value = this.values[last];
            if (zero(field, this.wireTypes[last], value)) {
                return null;
            }
            if (field.type == FieldDescriptor.Type.STRING) {
                return new String(this.wire, start(value), length(value), java.nio.charset.StandardCharsets.UTF_8);
            }
            JsonBytes text = new JsonBytes(24);
            single(field, this.wireTypes[last], value, text);
            return new String(text.toByteArray(), java.nio.charset.StandardCharsets.US_ASCII);
        }

        /**
         * Gathers the fields of {@code wire[start, end)}: each occurrence of a known
         * field linked after the field's last, the others skipped.
         */
        private void scan(Shape shape, int start, int end, int[] table, int n) throws MalformedProtobufException {
            byte[] wire = this.wire;
            int at = start;
            while (at < end) {
                int field = at;
                long tag = wire[at];
                if (tag >= 0) {
                    at++;
                }
                else {
                    tag = varint(at, end);
                    at = this.pos;
                }
                long number = tag >>> 3;
                int wireType = (int) tag & 7;
                if (number == 0 || number > MAX_FIELD_NUMBER) {
                    throw new MalformedProtobufException(field - this.base,
                            "field number " + number + " is out of range");
                }
                Field known = shape.field((int) number);
                if (known == null || !known.takes(wireType)) {
                    at = (wireType == START_GROUP) ? group((int) number, at, end, field)
                            : skip(wireType, at, end, field);
                    continue;
                }
                long value;
                if (wireType == VARINT) {
                    value = (at < end) ? wire[at] : -1;
                    if (value >= 0) {
                        at++;
                    }
                    else {
                        value = varint(at, end);
                        at = this.pos;
                    }
                }
                else if (wireType == LEN) {
                    long length = varint(at, end);
                    at = this.pos;
                    if (Long.compareUnsigned(length, end - at) > 0) {
                        throw cutOff(field, "length-delimited field of " + Long.toUnsignedString(length) + " bytes");
                    }
                    value = range(at, (int) length);
                    at += (int) length;
                }
                else if (wireType == FIXED64) {
                    need(at, 8, end, field);
                    value = (long) LONGS.get(wire, at);
                    at += 8;
                }
                else {
                    need(at, 4, end, field);
                    value = (int) INTS.get(wire, at) & 0xFFFFFFFFL;
                    at += 4;
                }
                int k = occurrence(wireType, value);
                int i = known.index;
                if (table[i] < 0) {
                    table[i] = k;
                }
                else {
                    this.next[table[n + i]] = k;
                }
                table[n + i] = k;
            }
        }

        /**
         * Skips a value of this wire type, but a group: where the next field starts.
         */
        private int skip(int wireType, int at, int end, int field) throws MalformedProtobufException {
            switch (wireType) {
                case VARINT -> {
                    varint(at, end);
                    return this.pos;
                }
                case FIXED64 -> {
                    need(at, 8, end, field);
                    return at + 8;
                }
                case LEN -> {
                    long length = varint(at, end);
                    if (Long.compareUnsigned(length, end - this.pos) > 0) {
                        throw cutOff(field, "length-delimited field of " + Long.toUnsignedString(length) + " bytes");
                    }
                    return this.pos + (int) length;
                }
                case FIXED32 -> {
                    need(at, 4, end, field);
                    return at + 4;
                }
                case END_GROUP ->
                    throw new MalformedProtobufException(field - this.base, "an end-group tag ends no group");
                default -> throw new MalformedProtobufException(field - this.base,
                        "wire type " + wireType + " does not exist");
            }
        }

        /**
         * Skips the group of an unknown field, up to its end-group tag, as Go does:
         * groups in it nested to {@value #MAX_GROUP_DEPTH} levels, field numbers up to
         * 2^31-1.
         */
        private int group(int number, int at, int end, int field) throws MalformedProtobufException {
            int[] open = { number, 0, 0, 0, 0, 0, 0, 0 };
            int depth = 1;
            while (true) {
                if (at >= end) {
                    throw cutOff(field, "group");
                }
                int inner = at;
                long tag = varint(at, end);
                at = this.pos;
                long innerNumber = tag >>> 3;
                int wireType = (int) tag & 7;
                if (innerNumber == 0 || innerNumber > Integer.MAX_VALUE) {
                    throw new MalformedProtobufException(inner - this.base,
                            "field number " + innerNumber + " is out of range");
                }
                if (wireType == END_GROUP) {
                    if (innerNumber != open[depth - 1]) {
                        throw new MalformedProtobufException(inner - this.base, "an end-group tag of field "
                                + innerNumber + " ends the group of field " + open[depth - 1]);
                    }
                    if (--depth == 0) {
                        return at;
                    }
                }
                else if (wireType == START_GROUP) {
                    if (depth == MAX_GROUP_DEPTH) {
                        throw new MalformedProtobufException(inner - this.base,
                                "groups nested deeper than " + MAX_GROUP_DEPTH);
                    }
                    if (depth == open.length) {
                        open = Arrays.copyOf(open, depth * 2);
                    }
                    open[depth++] = (int) innerNumber;
                }
                else {
                    at = skip(wireType, at, end, inner);
                }
            }
        }

        /**
         * The varint at {@code at}, read as Go's {@code protowire.ConsumeVarint} reads
         * one: at most ten bytes, the tenth 0 or 1. Sets {@link #pos} after it.
         */
        private long varint(int at, int end) throws MalformedProtobufException {
            byte[] wire = this.wire;
            long value = 0;
            int i = at;
            for (int shift = 0; shift < 63; shift += 7) {
                if (i == end) {
                    throw cutOff(at, "varint");
                }
                byte b = wire[i++];
                value |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    this.pos = i;
                    return value;
                }
            }
            if (i == end) {
                throw cutOff(at, "varint");
            }
            byte b = wire[i++];
            if ((b & 0xFF) > 1) {
                throw new MalformedProtobufException(at - this.base, "a varint is longer than 64 bits");
            }
            this.pos = i;
            return value | ((long) b << 63);
        }

        private void need(int at, int size, int end, int field) throws MalformedProtobufException {
            if (end - at < size) {
                throw cutOff(field, (size == 8) ? "fixed64" : "fixed32");
            }
        }

        private MalformedProtobufException cutOff(int at, String what) {
            return new MalformedProtobufException(at - this.base, "a " + what + " is cut off");
        }

        private int occurrence(int wireType, long value) {
            int k = this.top++;
            if (k == this.values.length) {
                this.values = Arrays.copyOf(this.values, k * 2);
                this.wireTypes = Arrays.copyOf(this.wireTypes, k * 2);
                this.next = Arrays.copyOf(this.next, k * 2);
            }
            this.wireTypes[k] = wireType;
            this.values[k] = value;
            this.next[k] = -1;
            return k;
        }

        /** This depth's table, each field's first occurrence -1: none yet. */
        private int[] table(int n) {
            if (this.depth >= this.tables.length) {
                this.tables = Arrays.copyOf(this.tables, this.tables.length * 2);
            }
            int[] table = this.tables[this.depth];
            if (table == null || table.length < 2 * n) {
                table = new int[Math.max(2 * n, 16)];
                this.tables[this.depth] = table;
            }
            Arrays.fill(table, 0, n, -1);
            return table;
        }

        /** Whether the field appears in the JSON: jsoniter's omitempty. */
        private boolean written(Field field, int head, int last) {
            if (field.repeated) {
                if (field.isMap()) {
                    return true;
                }
                for (int k = head; k >= 0; k = this.next[k]) {
                    if (!field.packable || this.wireTypes[k] != LEN || length(this.values[k]) > 0) {
                        return true;
                    }
                }
                return false;
            }
            if (field.type == FieldDescriptor.Type.MESSAGE) {
                return true;
            }
            if (field.type == FieldDescriptor.Type.BYTES) {
                return length(this.values[last]) > 0;
            }
            return field.presence || !zero(field, this.wireTypes[last], this.values[last]);
        }

        private static boolean zero(Field field, int wireType, long value) {
            if (wireType == LEN) {
                return length(value) == 0;
            }
            return switch (field.type) {
                case DOUBLE -> Double.longBitsToDouble(value) == 0;
                case FLOAT -> Float.intBitsToFloat((int) value) == 0;
                case INT32, UINT32, ENUM, SINT32, FIXED32, SFIXED32 -> (int) value == 0;
                default -> value == 0;
            };
        }

        private void value(Field field, int head, int last, int paths, JsonBytes out)
                throws MalformedProtobufException {
            if (field.isMap()) {
                map(field, head, out);
            }
            else if (field.repeated) {
                out.raw((byte) '[');
                boolean first = true;
                for (int k = head; k >= 0; k = this.next[k]) {
                    if (field.packable && this.wireTypes[k] == LEN) {
                        first = packed(field, this.values[k], first, out);
                        continue;
                    }
                    if (!first) {
                        out.raw((byte) ',');
                    }
                    first = false;
                    if (field.type == FieldDescriptor.Type.MESSAGE) {
                        message(field.message, k, false, 0, out);
                    }
                    else {
                        single(field, this.wireTypes[k], this.values[k], out);
                    }
                }
                out.raw((byte) ']');
            }
            else if (field.type == FieldDescriptor.Type.MESSAGE) {
                message(field.message, head, true, paths, out);
            }
            else {
                single(field, this.wireTypes[last], this.values[last], out);
            }
        }

        private boolean packed(Field field, long range, boolean first, JsonBytes out)
                throws MalformedProtobufException {
            byte[] wire = this.wire;
            int at = start(range);
            int end = at + length(range);
            int wireType = field.wireType;
            while (at < end) {
                long value;
                if (wireType == FIXED64) {
                    need(at, 8, end, at);
                    value = (long) LONGS.get(wire, at);
                    at += 8;
                }
                else if (wireType == FIXED32) {
                    need(at, 4, end, at);
                    value = (int) INTS.get(wire, at) & 0xFFFFFFFFL;
                    at += 4;
                }
                else {
                    value = varint(at, end);
                    at = this.pos;
                }
                if (!first) {
                    out.raw((byte) ',');
                }
                first = false;
                single(field, wireType, value, out);
            }
            return first;
        }

        /**
         * A map as Go's unmarshaller fills it and jsoniter writes it: each key once, with
         * the value of its last entry. The entries a later one replaces are read all the
         * same (Go refuses them malformed) and written nowhere.
         */
        private void map(Field field, int head, JsonBytes out) throws MalformedProtobufException {
            int count = 0;
            for (int k = head; k >= 0; k = this.next[k]) {
                count++;
            }
            // Each entry's key's first and last occurrence, then its value's.
            int[] entries = new int[count * 4];
            Object[] keys = new Object[count];
            Map<Object, Integer> lastEntry = (count > 1) ? new HashMap<>() : null;
            int[] table = new int[4];
            int e = 0;
            for (int k = head; k >= 0; k = this.next[k], e++) {
                table[0] = -1;
                table[1] = -1;
                long range = this.values[k];
                scan(field.entry, start(range), start(range) + length(range), table, 2);
                entries[4 * e] = table[0];
                entries[4 * e + 1] = table[2];
                entries[4 * e + 2] = table[1];
                entries[4 * e + 3] = table[3];
                if (lastEntry != null) {
                    keys[e] = mapKey(field.mapKey, (table[0] < 0) ? -1 : table[2]);
                    lastEntry.put(keys[e], e);
                }
            }
            out.raw((byte) '{');
            boolean first = true;
            for (e = 0; e < count; e++) {
                JsonBytes to = out;
                if (lastEntry != null && lastEntry.get(keys[e]) != e) {
                    to = discarded();
                }
                else if (!first) {
                    out.raw((byte) ',');
                }
                else {
                    first = false;
                }
                entryPart(field.mapKey, entries[4 * e], entries[4 * e + 1], to);
                to.raw((byte) ':');
                entryPart(field.mapValue, entries[4 * e + 2], entries[4 * e + 3], to);
            }
            out.raw((byte) '}');
        }

        /** A map key as Go compares keys. */
        private Object mapKey(Field key, int last) {
            if (last < 0) {
                return (key.type == FieldDescriptor.Type.STRING) ? "" : (Object) 0L;
            }
            long value = this.values[last];
            return switch (key.type) {
                case STRING ->
                    new String(this.wire, start(value), length(value), java.nio.charset.StandardCharsets.ISO_8859_1);
                case BOOL -> (value != 0) ? 1L : 0L;
                case INT32, UINT32, SINT32, FIXED32, SFIXED32 -> value & 0xFFFFFFFFL;
                default -> value;
            };
        }

        /**
         * A map entry's key or value: its last occurrence (a key always a JSON string, as
         * jsoniter writes a Go map's), Go's default when left out.
         */
        private void entryPart(Field part, int head, int last, JsonBytes out) throws MalformedProtobufException {
            if (part.type == FieldDescriptor.Type.MESSAGE) {
                message(part.message, head, true, 0, out);
                return;
            }
            if (head < 0) {
                out.raw(part.absent);
                return;
            }
            if (part.utf8) {
                for (int k = head; k != last; k = this.next[k]) {
                    utf8(this.values[k]);
                }
            }
            boolean quoted = part.index == 0 && part.type != FieldDescriptor.Type.STRING;
            if (quoted) {
                out.raw((byte) '"');
            }
            single(part, this.wireTypes[last], this.values[last], out);
            if (quoted) {
                out.raw((byte) '"');
            }
        }

        private JsonBytes discarded() {
            if (this.discarded == null) {
                this.discarded = JsonBytes.discarding();
            }
            return this.discarded;
        }

        private void single(Field field, int wireType, long value, JsonBytes out) throws MalformedProtobufException {
            switch (field.type) {
                case INT32, ENUM, SFIXED32 -> out.ascii(Integer.toString((int) value));
                case UINT32, FIXED32 -> out.ascii(Integer.toUnsignedString((int) value));
                case SINT32 -> out.ascii(Integer.toString((((int) value) >>> 1) ^ -(((int) value) & 1)));
                case INT64, SFIXED64 -> out.ascii(Long.toString(value));
                case UINT64, FIXED64 -> out.ascii(Long.toUnsignedString(value));
                case SINT64 -> out.ascii(Long.toString((value >>> 1) ^ -(value & 1)));
                case BOOL -> out.ascii((value != 0) ? "true" : "false");
                case DOUBLE -> number(field, Double.longBitsToDouble(value), false, out);
                case FLOAT -> number(field, Float.intBitsToFloat((int) value), true, out);
                case STRING -> text(field, value, out);
                case BYTES -> out.base64(this.wire, start(value), length(value));
                default -> throw new IllegalStateException("not a scalar: " + field.type);
            }
        }

        private void number(Field field, double value, boolean single, JsonBytes out)
                throws MalformedProtobufException {
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                if (out.discards()) {
                    // Left out of Go's struct, so never given to jsoniter.
                    return;
                }
                throw new MalformedProtobufException(
                        "field " + new String(field.key, java.nio.charset.StandardCharsets.UTF_8) + " is " + value
                                + ", which JSON cannot hold");
            }
            GoFloats.write(value, single, out);
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
            utf8(range);
            out.string(this.wire, start, end);
        }

        /** Refuses a proto3 string that is not UTF-8, as Go's unmarshaller does. */
        private void utf8(long range) throws MalformedProtobufException {
            int end = start(range) + length(range);
            // NUL is valid UTF-8 here (the JSON check refuses it in a dump's raw bytes).
            for (int from = start(range);;) {
                int invalid = io.dumpforwarder.body.Utf8.firstInvalid(this.wire, from, end);
                if (invalid < 0) {
                    return;
                }
                if (this.wire[invalid] != 0) {
                    throw new MalformedProtobufException(invalid - this.base, "a string is not valid UTF-8");
                }
                from = invalid + 1;
            }
        }

        private static long range(int start, int length) {
            return ((long) start << 32) | length;
        }

        private static int start(long range) {
            return (int) (range >>> 32);
        }

        private static int length(long range) {
            return (int) range;
        }

    }

}
