package dev.berth.it.s3;

import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;

/**
 * s3proxy in this JVM on a free loopback port, over jclouds' in-memory ("transient") blobstore,
 * accepting only requests signed with AWS Signature Version 4 by {@link #ACCESS_KEY_ID} and {@link
 * #SECRET_ACCESS_KEY}.
 *
 * <p>s3proxy needs nothing installed. It does not evaluate {@code If-None-Match}/{@code If-Match}
 * on PutObject, and it rejects the SDK's default flexible checksums, which the driver's client
 * sends only when required.
 */
final class S3ProxyServer implements AutoCloseable {

  /** The only identity s3proxy accepts. */
  static final String ACCESS_KEY_ID = "berth-it-access";

  /** The secret that goes with {@link #ACCESS_KEY_ID}; no test message may contain it. */
  static final String SECRET_ACCESS_KEY = "berth-it-secret-" + UUID.randomUUID();

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final BlobStoreContext context;
  private final S3Proxy proxy;

  private S3ProxyServer(BlobStoreContext context, S3Proxy proxy) {
    this.context = context;
    this.proxy = proxy;
  }

  /** Starts s3proxy with an empty transient blobstore and waits until it listens. */
  static S3ProxyServer start() throws Exception {
    // The API metadata directly, not the provider id: a lookup by id would load every jclouds
    // provider on the class path, including s3proxy's Azure one, whose SDK is excluded.
    BlobStoreContext context =
        ContextBuilder.newBuilder(new TransientApiMetadata()).build(BlobStoreContext.class);
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY_ID, SECRET_ACCESS_KEY)
            .build();
    S3ProxyServer server = new S3ProxyServer(context, proxy);
    try {
      proxy.start();
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      while (!"STARTED".equals(proxy.getState())) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "s3proxy did not start within " + READY_TIMEOUT + ": " + proxy.getState());
        }
        Thread.sleep(10);
      }
    } catch (Exception e) {
      server.close();
      throw e;
    }
    System.out.println("[it] s3proxy ready on " + server.endpoint());
    return server;
  }

  /** {@code http://127.0.0.1:PORT}. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + proxy.getPort());
  }

  /** Creates a bucket directly in the blobstore. */
  void createBucket(String bucket) {
    if (!context.getBlobStore().createContainerInLocation(null, bucket)) {
      throw new IllegalStateException("bucket exists already: " + bucket);
    }
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.stop();
    } finally {
      context.close();
    }
  }
}
