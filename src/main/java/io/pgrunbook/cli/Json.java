package io.pgrunbook.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import io.pgrunbook.inventory.Units;

import java.time.Duration;
import java.time.Instant;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

/** Jackson mappers for output: pretty JSON for scripts, YAML for people. */
public final class Json {
    public static final ObjectMapper JSON = configure(new ObjectMapper());
    private static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)));

    /** snake_case names (as in the inventory and DESIGN.md's JSON), durations as "10s", instants as ISO-8601. */
    private static ObjectMapper configure(ObjectMapper m) {
        SimpleModule units = new SimpleModule("pgrunbook-units");
        units.addSerializer(Duration.class, new StdSerializer<>(Duration.class) {
            @Override
            public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
                gen.writeString(Units.duration(value));
            }
        });
        units.addSerializer(Instant.class, new ToStringSerializer(Instant.class));
        return m.registerModule(units)
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    }

    private Json() {
    }

    public static String pretty(Object o) throws JsonProcessingException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o);
    }

    public static String compact(Object o) throws JsonProcessingException {
        return JSON.writeValueAsString(o);
    }

    public static String yaml(Object o) throws JsonProcessingException {
        return YAML.writeValueAsString(o);
    }
}
