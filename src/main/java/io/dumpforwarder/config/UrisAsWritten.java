package io.dumpforwarder.config;

import java.net.URI;
import java.util.Map;

import org.springframework.beans.factory.config.CustomEditorConfigurer;
import org.springframework.beans.propertyeditors.URIEditor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * URI settings are read exactly as written, so that a URL's path and query go on the wire
 * byte for byte. Spring's default {@link URIEditor} encodes the value, building the URI
 * from its parts, and so quotes every {@code %} again: {@code ?query=INSERT%20INTO}
 * reached the collector as {@code INSERT%2520INTO}, and an encoded path, a signed URL or
 * a UTF-8 escape broke the same way. Its non-encoding form parses the value as a URI; one
 * that is not valid (a space, a stray {@code %}) fails the start, naming its key.
 */
@Configuration(proxyBeanMethods = false)
class UrisAsWritten {

    @Bean
    static CustomEditorConfigurer uriEditorAsWritten() {
        CustomEditorConfigurer configurer = new CustomEditorConfigurer();
        configurer.setCustomEditors(Map.of(URI.class, UrisEditor.class));
        return configurer;
    }

    /** Spring's URI editor, not encoding. */
    static final class UrisEditor extends URIEditor {

        UrisEditor() {
            super(false);
        }

    }

}
