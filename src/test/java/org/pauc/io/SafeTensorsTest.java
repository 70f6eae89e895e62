package org.pauc.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    private static Map<String, SafeTensors.Tensor> sample() {
        Map<String, SafeTensors.Tensor> t = new LinkedHashMap<>();
        t.put("a.weight", new SafeTensors.Tensor(new int[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f}));
        t.put("b", new SafeTensors.Tensor(new int[] {1}, new float[] {Float.MIN_VALUE}));
        return t;
    }

    @Test
    void roundTrips(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.safetensors");
        SafeTensors.write(f, sample(), Map.of("epochs_done", "3"));
        SafeTensors.Contents c = SafeTensors.read(f);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, -6.5f}, c.tensors().get("a.weight").data());
        assertArrayEquals(new int[] {2, 3}, c.tensors().get("a.weight").shape());
        assertEquals("3", c.metadata().get("epochs_done"));
    }

    /** Parses the file by the format's definition alone (not with SafeTensors.read). */
    @Test
    void anIndependentReaderSeesTheSameTensors(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to 8 bytes");
        JsonNode h = new ObjectMapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        JsonNode a = h.get("a.weight");
        assertEquals("F32", a.get("dtype").asText());
        int begin = a.get("data_offsets").get(0).asInt();
        float last = ByteBuffer.wrap(all, (int) (8 + n + begin + 20), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        assertEquals(-6.5f, last);
        assertEquals(8 + n + 28, all.length);
    }

    @Test
    void corruptFilesAreRejectedWithTheReason(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("x.safetensors");
        SafeTensors.write(f, sample(), Map.of());
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 4));
        var e = assertThrows(IOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("outside the data") || e.getMessage().contains("truncated"), e.getMessage());
        Files.writeString(f, "this is not a checkpoint at all");
        e = assertThrows(IOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());
        byte[] grown = Arrays.copyOf(all, all.length + 4);
        Files.write(f, grown);
        e = assertThrows(IOException.class, () -> SafeTensors.read(f));
        assertTrue(e.getMessage().contains("bytes after the last tensor"), e.getMessage());
    }
}
