package io.flowwatch.runtime.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/** Opens the PKCS12 keystore of {@link HttpConfig.Tls}: once when config is read (to report problems), again at start. */
public final class TlsKeystore {

    private TlsKeystore() {
    }

    /** Loads the keystore and checks it holds a private key the password opens. */
    public static KeyStore load(HttpConfig.Tls tls) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        char[] password = tls.keystorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(tls.keystore())) {
            ks.load(in, password);
        }
        boolean hasKey = false;
        for (String alias : java.util.Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias)) {
                ks.getKey(alias, password); // throws UnrecoverableKeyException when the key password differs
                hasKey = true;
            }
        }
        if (!hasKey) {
            throw new GeneralSecurityException("it holds no private key entry");
        }
        return ks;
    }
}
