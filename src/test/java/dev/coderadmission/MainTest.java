package dev.coderadmission;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    private final String jfrBefore = System.getProperty("io.netty.jfr.enabled");

    @AfterEach
    void restore() {
        if (jfrBefore == null) {
            System.clearProperty("io.netty.jfr.enabled");
        } else {
            System.setProperty("io.netty.jfr.enabled", jfrBefore);
        }
    }

    @Test
    void nettysJfrEventsAreOffUnlessAskedFor() {
        System.clearProperty("io.netty.jfr.enabled");
        Main.systemProperties();
        assertThat(System.getProperty("io.netty.jfr.enabled")).isEqualTo("false");

        System.setProperty("io.netty.jfr.enabled", "true");
        Main.systemProperties();
        assertThat(System.getProperty("io.netty.jfr.enabled")).isEqualTo("true");
    }

    @Test
    void jsseAndPkcs12SettingsAreSet() {
        Main.systemProperties();
        assertThat(System.getProperty("jdk.tls.rejectClientInitiatedRenegotiation")).isEqualTo("true");
        assertThat(System.getProperty("keystore.pkcs12.keyPbeIterationCount")).isEqualTo("1");
    }
}
