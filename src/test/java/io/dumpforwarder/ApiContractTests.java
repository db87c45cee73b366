package io.dumpforwarder;

import java.util.List;
import java.util.Map;

import com.networknt.schema.Error;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The running service's answers match the OpenAPI document it serves on the management
 * port: for each case the API tests send, the status is one the document lists, the
 * content type one it lists for that status, and the body validates against its schema.
 */
@TestPropertySource(properties = { "forwarder.max-dump-size=64KB", "forwarder.max-request-size=256KB" })
class ApiContractTests extends AbstractServiceTests {

    private static final JsonMapper json = JsonMapper.builder().build();

    private JsonNode document;

    @BeforeEach
    void readTheServedDocument() {
        byte[] yaml = this.management.get()
            .uri("/actuator/openapi")
            .exchange()
            .expectStatus()
            .isOk()
            .expectHeader()
            .contentTypeCompatibleWith("application/yaml")
            .expectBody()
            .returnResult()
            .getResponseBody();
        this.document = YAMLMapper.builder().build().readTree(yaml);
        assertThat(this.document.get("openapi").asString()).isEqualTo("3.1.0");
    }

    static List<Object[]> requests() {
        String big = "{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";
        return List.of(new Object[] { "one dump", MediaType.APPLICATION_JSON, dump(1), 202 },
                new Object[] { "NDJSON with a bad line", MediaType.APPLICATION_NDJSON, dump(1) + "\n{oops\n" + dump(2),
                        202 },
                new Object[] { "not JSON", MediaType.APPLICATION_JSON, "{oops", 400 },
                new Object[] { "a JSON array", MediaType.APPLICATION_JSON, "[1,2]", 400 },
                new Object[] { "NDJSON of bad lines only", MediaType.APPLICATION_NDJSON, "{oops\n[1]", 400 },
                new Object[] { "a dump over the limit", MediaType.APPLICATION_JSON, big, 413 },
                new Object[] { "another media type", MediaType.TEXT_PLAIN, dump(1), 415 });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void answersMatchTheDocument(String name, MediaType type, String body, int status) {
        EntityExchangeResult<byte[]> answer = this.ingest.post()
            .uri("/v1/dumps")
            .contentType(type)
            .bodyValue(body)
            .exchange()
            .expectBody()
            .returnResult();

        assertThat(answer.getStatus().value()).isEqualTo(status);
        JsonNode response = resolve(this.document.at("/paths/~1v1~1dumps/post/responses/" + status));
        assertThat(response.isMissingNode()).as("status %d in the document", status).isFalse();
        String contentType = answer.getResponseHeaders().getContentType().toString();
        JsonNode schema = response.get("content").get(contentType).get("schema");
        assertThat(schema).as("%s for %d in the document", contentType, status).isNotNull();
        List<Error> errors = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(withComponents(schema))
            .validate(json.readTree(answer.getResponseBody()));
        assertThat(errors).as("%s: %s", name, new String(answer.getResponseBody())).isEmpty();
    }

    @Test
    void theSchemasRefuseAProblemWithoutItsOutcome() {
        JsonNode problem = this.document.at("/components/schemas/Problem");
        List<Error> errors = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
            .getSchema(withComponents(problem))
            .validate(json.readTree(
                    "{\"type\":\"about:blank\",\"title\":\"Invalid dump\",\"status\":400," + "\"detail\":\"d\"}"));
        assertThat(errors).isNotEmpty();
    }

    private JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? this.document.at(node.get("$ref").asString().substring(1)) : node;
    }

    /** The schema, standing alone: the document's component schemas as its $defs. */
    private JsonNode withComponents(JsonNode schema) {
        String text = json.writeValueAsString(Map.of("schema", schema, "defs", this.document.at("/components/schemas")))
            .replace("#/components/schemas/", "#/$defs/");
        JsonNode both = json.readTree(text);
        ObjectNode standalone = ((ObjectNode) both.get("schema")).deepCopy();
        standalone.set("$defs", both.get("defs"));
        return standalone;
    }

}
