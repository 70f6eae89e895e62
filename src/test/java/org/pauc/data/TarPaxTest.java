package org.pauc.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pax extended headers: "LEN KEY=VALUE\n" records, LEN the record's own length in bytes; anything else is refused. */
class TarPaxTest {

    /** A tar of one pax header with {@code records}, then a member "x.jpg" of 3 bytes. */
    static Path tar(Path dir, String records) throws IOException {
        byte[] pax = records.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Tar.header("PaxHeader", pax.length, 'x'));
        out.write(pax);
        out.write(new byte[(Tar.BLOCK - pax.length % Tar.BLOCK) % Tar.BLOCK]);
        out.write(Tar.header("x.jpg", 3));
        out.write(new byte[Tar.BLOCK]);
        out.write(new byte[2 * Tar.BLOCK]);
        Path p = dir.resolve("t" + Integer.toHexString(records.hashCode()) + ".tar");
        Files.write(p, out.toByteArray());
        return p;
    }

    @Test
    void wellFormedRecordsNameTheMember(@TempDir Path dir) throws Exception {
        String path = "dir/é-long-name.jpg";
        String rec = " path=" + path + "\n";
        int body = rec.getBytes(StandardCharsets.UTF_8).length;
        int len = body + 1;
        while (len != body + Integer.toString(len).length()) {
            len = body + Integer.toString(len).length();
        }
        List<Tar.Member> m = Tar.list(tar(dir, "22 mtime=1700000000.5\n" + len + rec));
        assertEquals(1, m.size());
        assertEquals(path, m.get(0).name());
    }

    @Test
    void malformedRecordsAreRefusedWithTheirOffset(@TempDir Path dir) throws Exception {
        for (String bad : List.of("99999999999999 path=x.jpg\n", "12 path=x.jpg\n", "ab path=x.jpg\n",
                "30 path=x.jpg\n", "8 noeq\n")) {
            DataException e = assertThrows(DataException.class, () -> Tar.list(tar(dir, bad)), bad);
            assertTrue(e.getMessage().contains("malformed pax record at byte 0 of the extended header at byte 0"),
                    e.getMessage());
        }
    }
}
