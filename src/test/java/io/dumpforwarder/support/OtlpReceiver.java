package io.dumpforwarder.support;

import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1 and a free port: decodes each protobuf
 * export sent to {@code /v1/traces} and keeps its spans, with the service name of their
 * resource.
 */
public final class OtlpReceiver implements AutoCloseable {

    private final Queue<Received> spans = new ConcurrentLinkedQueue<>();

    private final DisposableServer server;

    public OtlpReceiver() {
        byte[] accepted = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        this.server = HttpServer.create()
            .host("127.0.0.1")
            .port(0)
            .route((routes) -> routes.post("/v1/traces",
                    (request, response) -> request.receive().aggregate().asByteArray().flatMap((body) -> {
                        keep(body);
                        return response.header("Content-Type", "application/x-protobuf")
                            .sendByteArray(Mono.just(accepted))
                            .then();
                    })))
            .bindNow();
    }

    public String url() {
        return "http://127.0.0.1:" + this.server.port() + "/v1/traces";
    }

    public List<Received> spans() {
        return List.copyOf(this.spans);
    }

    public void reset() {
        this.spans.clear();
    }

    private void keep(byte[] body) {
        try {
            for (ResourceSpans resource : ExportTraceServiceRequest.parseFrom(body).getResourceSpansList()) {
                String service = resource.getResource()
                    .getAttributesList()
                    .stream()
                    .filter((attribute) -> attribute.getKey().equals("service.name"))
                    .map((attribute) -> attribute.getValue().getStringValue())
                    .findFirst()
                    .orElse(null);
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    scope.getSpansList().forEach((span) -> this.spans.add(new Received(service, span)));
                }
            }
        }
        catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("Not an OTLP trace export", ex);
        }
    }

    @Override
    public void close() {
        this.server.disposeNow();
    }

    /**
     * One exported span.
     *
     * @param service the {@code service.name} of its resource
     * @param span the span as sent
     */
    public record Received(String service, Span span) {

        public String traceId() {
            return hex(this.span.getTraceId().toByteArray());
        }

        public String spanId() {
            return hex(this.span.getSpanId().toByteArray());
        }

        public String parentSpanId() {
            return hex(this.span.getParentSpanId().toByteArray());
        }

        public String attribute(String key) {
            return this.span.getAttributesList()
                .stream()
                .filter((attribute) -> attribute.getKey().equals(key))
                .map((attribute) -> attribute.getValue().hasIntValue()
                        ? Long.toString(attribute.getValue().getIntValue()) : attribute.getValue().getStringValue())
                .findFirst()
                .orElse(null);
        }

        public List<String> linkedSpans() {
            return this.span.getLinksList()
                .stream()
                .map((link) -> hex(link.getTraceId().toByteArray()) + "-" + hex(link.getSpanId().toByteArray()))
                .toList();
        }

        private static String hex(byte[] bytes) {
            return HexFormat.of().formatHex(bytes);
        }

    }

}
