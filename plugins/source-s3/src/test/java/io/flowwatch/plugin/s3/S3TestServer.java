package io.flowwatch.plugin.s3;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import org.jclouds.http.HttpResponse;
import org.jclouds.http.HttpResponseException;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real S3-compatible server in the test JVM: S3Proxy on jclouds' in-memory ("transient") blob
 * store, on 127.0.0.1 and a free port, checking AWS signatures (V4) with fixed test credentials.
 * Tests put objects straight into the blob store and read them through the real SDK.
 */
final class S3TestServer implements AutoCloseable {

    static final String ACCESS_KEY = "flowwatch-test";
    static final String SECRET_KEY = "flowwatch-test-secret";

    final BlobStoreContext context;
    final BlobStore store;
    final S3Proxy proxy;

    /** Calls of the store that fail with 503 before it answers, to provoke 5xx responses. */
    final AtomicInteger failures = new AtomicInteger();
    /** How long every call of the store waits before it answers (0: at once), to play an overloaded endpoint. */
    final java.util.concurrent.atomic.AtomicLong delayMillis = new java.util.concurrent.atomic.AtomicLong();

    S3TestServer() throws Exception {
        context = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        store = context.getBlobStore();
        BlobStore served = (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class},
                (self, method, args) -> {
                    long delay = delayMillis.get();
                    if (delay > 0) {
                        Thread.sleep(delay);
                    }
                    if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new HttpResponseException("injected", null,
                                HttpResponse.builder().statusCode(503).message("Slow Down").build());
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        proxy = S3Proxy.builder().blobStore(served).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                // S3Proxy refuses flexible-checksum headers it does not implement; S3 itself accepts them.
                .ignoreUnknownHeaders(true).build();
        proxy.start();
        while (!proxy.getState().equals("STARTED")) {
            Thread.sleep(10);
        }
        // The SDK's default credentials chain reads these first: the source's own code path is unchanged.
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    void createBucket(String bucket) {
        store.createContainerInLocation(null, bucket);
    }

    void put(String bucket, String key, byte[] data) {
        store.putBlob(bucket, store.blobBuilder(key).payload(data).contentLength(data.length).build());
    }

    void delete(String bucket, String key) {
        store.removeBlob(bucket, key);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        context.close();
    }
}
