package io.dumpforwarder.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;
import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;

/**
 * The ingest API's OpenAPI 3.1 document ({@code openapi.yaml} in the jar), served on the
 * management port as {@code /actuator/openapi}.
 */
@Component
@WebEndpoint(id = "openapi")
class ApiDocumentEndpoint {

    static final String MEDIA_TYPE = "application/yaml";

    private final String document;

    ApiDocumentEndpoint() {
        try (InputStream in = new ClassPathResource("openapi.yaml").getInputStream()) {
            this.document = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("openapi.yaml is missing from the jar", ex);
        }
    }

    @ReadOperation(produces = MEDIA_TYPE)
    String document() {
        return this.document;
    }

}
