package dev.berth.storage.crypto;

import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import dev.berth.storage.StoragePath;
import dev.berth.storage.StorageWriter;
import dev.berth.storage.Versioned;
import dev.berth.storage.crypto.SealedFormat.FormatException;
import dev.berth.storage.crypto.SealedFormat.Header;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A {@link StorageDriver} decorator that encrypts objects at rest: the {@link KeyPolicy} names the
 * key for each path, objects at paths with a key are stored sealed (see the package documentation
 * for the format), and every other path passes through to the inner driver untouched.
 *
 * <p>For sealed paths every method keeps the plaintext semantics of the {@link StorageDriver}
 * contract:
 *
 * <ul>
 *   <li>{@link #stat} reports the plaintext size, found from the runs' trailers (one small read of
 *       the object's tail for an object of one run) without decrypting anything.
 *   <li>{@link #putContent}, {@link #createIfAbsent} and {@link #putIfVersion} seal in memory and
 *       write one run through the inner driver's atomic operation; {@link #getContent} and {@link
 *       #getVersioned} unseal the inner driver's snapshot.
 *   <li>{@link #reader} decrypts only from the segment holding the offset. Objects up to {@value
 *       #SNAPSHOT_BYTES} stored bytes are read as one snapshot ({@link #getContent} of the inner
 *       driver); larger ones are streamed, and an object replaced while a reader opens is opened
 *       again (a reader never mixes two objects; once bytes were returned a replacement makes the
 *       read fail instead).
 *   <li>{@link #writer} seals while streaming, one segment in memory at a time; each writer session
 *       that writes anything appends one run with its own data key, so appends across requests and
 *       across nodes sharing the store work. While a session is open, this driver's readers of the
 *       path see the object as it was when the session began (other processes see what the inner
 *       driver shows, which for the filesystem is an incomplete run that fails to read).
 *   <li>{@link #move} moves the sealed bytes unchanged when both paths have the same key; otherwise
 *       it unseals and reseals into a hidden sibling of the target, moves that into place and
 *       deletes the source.
 *   <li>{@link #localFile} and {@link #presignedGet} are empty: ciphertext must not reach clients.
 * </ul>
 *
 * <p>Key providers are not cached here: wrap them in {@link CachingKeyProvider}.
 */
public final class SealedDriver implements StorageDriver {
  /**
   * Default ciphertext segment size: 64 KiB keeps two segments per open stream small (many
   * concurrent downloads), costs 16 bytes of tag per segment (0.02%), and bounds what a range read
   * decrypts before its first byte.
   */
  public static final int DEFAULT_SEGMENT_BYTES = 64 * 1024;

  /** Sealed objects up to this many stored bytes are read whole, as one consistent snapshot. */
  static final int SNAPSHOT_BYTES = 1024 * 1024;

  private static final int OPEN_ATTEMPTS = 5;
  private static final String RESEAL_MARKER = ".berth-reseal-";
  private static final Pattern RESEAL_NAME =
      Pattern.compile(".*" + Pattern.quote(RESEAL_MARKER) + "[0-9a-f]{32}");
  private static final int COPY_BUFFER_BYTES = 64 * 1024;

  private final StorageDriver inner;
  private final KeyPolicy policy;
  private final Map<String, KeyProvider> providers;
  private final int segmentBytes;
  private final SecureRandom random = new SecureRandom();
  private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();

  /** A writer session of this driver: readers see at most {@code storedSize} bytes meanwhile. */
  static final class Session {
    final long storedSize;

    Session(long storedSize) {
      this.storedSize = storedSize;
    }
  }

  /** Decorates {@code inner} with the default segment size. */
  public SealedDriver(
      StorageDriver inner, KeyPolicy policy, Collection<? extends KeyProvider> providers) {
    this(inner, policy, providers, DEFAULT_SEGMENT_BYTES);
  }

  /**
   * Decorates {@code inner}; closing this driver closes it.
   *
   * @param providers the key providers, by their distinct {@link KeyProvider#name()}s
   * @param segmentBytes the ciphertext segment size of new runs (4 KiB to 16 MiB); existing runs
   *     record their own
   */
  public SealedDriver(
      StorageDriver inner,
      KeyPolicy policy,
      Collection<? extends KeyProvider> providers,
      int segmentBytes) {
    try {
      SealedFormat.checkSegmentBytes(segmentBytes);
    } catch (FormatException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
    Map<String, KeyProvider> byName = new LinkedHashMap<>();
    for (KeyProvider provider : providers) {
      String name = SealingKey.requireProviderName(provider.name());
      if (byName.put(name, provider) != null) {
        throw new IllegalArgumentException("two key providers named " + name);
      }
    }
    this.inner = inner;
    this.policy = policy;
    this.providers = Map.copyOf(byName);
    this.segmentBytes = segmentBytes;
  }

  @Override
  public String describe() {
    return "sealed " + inner.describe();
  }

  @Override
  public Optional<ObjectInfo> stat(String path) throws IOException {
    Optional<SealingKey> key = keyFor(path);
    if (key.isEmpty()) {
      return inner.stat(path);
    }
    Optional<View> view = view(path, false);
    if (view.isEmpty()) {
      return Optional.empty();
    }
    view.get().reader().close();
    return Optional.of(
        new ObjectInfo(view.get().layout().plaintextSize(), view.get().info().modified()));
  }

  @Override
  public byte[] getContent(String path) throws IOException {
    Optional<SealingKey> key = keyFor(path);
    if (key.isEmpty()) {
      return inner.getContent(path);
    }
    return unseal(path, key.get(), inner.getContent(path));
  }

  @Override
  public void putContent(String path, byte[] content) throws IOException {
    inner.putContent(path, stored(path, content));
  }

  @Override
  public void putTransient(String path, byte[] content) throws IOException {
    inner.putTransient(path, stored(path, content));
  }

  @Override
  public boolean createIfAbsent(String path, byte[] content) throws IOException {
    return inner.createIfAbsent(path, stored(path, content));
  }

  @Override
  public Optional<Versioned> getVersioned(String path) throws IOException {
    Optional<SealingKey> key = keyFor(path);
    Optional<Versioned> stored = inner.getVersioned(path);
    if (key.isEmpty() || stored.isEmpty()) {
      return stored;
    }
    byte[] plaintext = unseal(path, key.get(), stored.get().content());
    return Optional.of(new Versioned(plaintext, stored.get().version()));
  }

  @Override
  public boolean putIfVersion(String path, byte[] content, @Nullable String expectedVersion)
      throws IOException {
    return inner.putIfVersion(path, stored(path, content), expectedVersion);
  }

  @Override
  public ReadableByteChannel reader(String path, long offset) throws IOException {
    Optional<SealingKey> key = keyFor(path);
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset: " + offset);
    }
    if (key.isEmpty()) {
      return inner.reader(path, offset);
    }
    return open(path, key.get(), offset);
  }

  @Override
  public StorageWriter writer(String path, boolean append) throws IOException {
    Optional<SealingKey> key = keyFor(path);
    return key.isEmpty() ? inner.writer(path, append) : sealedWriter(path, key.get(), append);
  }

  @Override
  public void move(String from, String to) throws IOException {
    Optional<SealingKey> source = keyFor(from);
    Optional<SealingKey> target = keyFor(to);
    if (source.equals(target)) {
      inner.move(from, to);
      return;
    }
    if (inner.stat(from).isEmpty()) {
      throw new NoSuchFileException(from, null, "no such object");
    }
    String staging = to + RESEAL_MARKER + HexFormat.of().formatHex(randomBytes(16));
    StorageWriter out =
        target.isEmpty()
            ? inner.writer(staging, false)
            : sealedWriter(staging, target.get(), false);
    try (ReadableByteChannel in = reader(from, 0)) {
      ByteBuffer buffer = ByteBuffer.allocate(COPY_BUFFER_BYTES);
      while (in.read(buffer) >= 0) {
        buffer.flip();
        out.write(buffer);
        buffer.clear();
      }
      out.commit();
    } catch (IOException | RuntimeException e) {
      try {
        out.cancel();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    try {
      inner.move(staging, to);
    } catch (IOException | RuntimeException e) {
      try {
        inner.delete(staging);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    inner.delete(from);
  }

  @Override
  public boolean delete(String path) throws IOException {
    return inner.delete(StoragePath.check(path));
  }

  /** The inner driver's listing without the hidden staging objects of a resealing {@link #move}. */
  @Override
  public List<String> list(String directory) throws IOException {
    List<String> names = inner.list(StoragePath.check(directory));
    if (names.stream().noneMatch(name -> RESEAL_NAME.matcher(name).matches())) {
      return names;
    }
    return names.stream().filter(name -> !RESEAL_NAME.matcher(name).matches()).toList();
  }

  /** Empty for sealed paths: the stored bytes are ciphertext. */
  @Override
  public Optional<Path> localFile(String path) throws IOException {
    return keyFor(path).isEmpty() ? inner.localFile(path) : Optional.empty();
  }

  /** Empty for sealed paths: the store would hand out ciphertext. */
  @Override
  public Optional<URI> presignedGet(String path, Duration ttl) throws IOException {
    return keyFor(path).isEmpty() ? inner.presignedGet(path, ttl) : Optional.empty();
  }

  @Override
  public SyncScope deferSyncs() {
    return inner.deferSyncs();
  }

  @Override
  public int sweepIncompleteWrites(Duration olderThan) throws IOException {
    return inner.sweepIncompleteWrites(olderThan);
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

  // ---- sealing

  private Optional<SealingKey> keyFor(String path) {
    return policy.keyFor(StoragePath.check(path));
  }

  private KeyProvider provider(SealingKey key) throws KeyAccessException {
    KeyProvider provider = providers.get(key.provider());
    if (provider == null) {
      throw new KeyAccessException(
          KeyAccessException.Reason.NOT_FOUND,
          key.ref().keyId(),
          "no key provider named " + key.provider() + " is configured",
          null);
    }
    return provider;
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  /** One run holding the whole content, sealed in memory. */
  /** What is stored for {@code content} at a path: sealed when the path has a key, else as is. */
  private byte[] stored(String path, byte[] content) throws IOException {
    Optional<SealingKey> key = keyFor(path);
    return key.isEmpty() ? content : seal(key.get(), content);
  }

  private byte[] seal(SealingKey key, byte[] content) throws IOException {
    DataKey dataKey = provider(key).generateDataKey(key.ref());
    Header header =
        SealedFormat.header(
            segmentBytes,
            randomBytes(SealedFormat.OBJECT_ID_BYTES),
            0,
            0,
            key.provider(),
            key.ref().keyId(),
            dataKey.wrapped());
    long expected =
        header.length()
            + SealedFormat.ciphertextLength(content.length, segmentBytes)
            + SealedFormat.TRAILER_BYTES;
    if (expected > Integer.MAX_VALUE - 8) {
      throw new IOException("object too large to seal in memory: " + content.length + " bytes");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) expected);
    RunSealer sealer =
        new RunSealer(Channels.newChannel(out), header, dataKey.plaintext(), key.ref());
    sealer.write(ByteBuffer.wrap(content));
    sealer.finish();
    return out.toByteArray();
  }

  /** The plaintext of a whole sealed object held in memory. */
  private byte[] unseal(String path, SealingKey key, byte[] stored) throws IOException {
    int length = (int) Math.min(stored.length, limit(path, stored.length));
    CipherReader reader = new CipherReader(CipherSource.of(stored, length));
    Layout layout;
    try {
      layout = Layout.discover(reader);
    } catch (FormatException | EOFException e) {
      throw new SealedObjectException(path, e.getMessage(), e);
    }
    if (layout.plaintextSize() > Integer.MAX_VALUE - 8) {
      throw new SealedObjectException(path, "plaintext size out of range", null);
    }
    byte[] plaintext = new byte[(int) layout.plaintextSize()];
    ByteBuffer buffer = ByteBuffer.wrap(plaintext);
    try (UnsealingChannel channel =
        new UnsealingChannel(path, reader, layout, key, provider(key), 0)) {
      while (buffer.hasRemaining()) {
        if (channel.read(buffer) < 0) {
          throw new SealedObjectException(path, "ends before its plaintext size", null);
        }
      }
      if (channel.read(ByteBuffer.allocate(1)) >= 0) {
        throw new SealedObjectException(path, "runs past its plaintext size", null);
      }
    } catch (UnsealingChannel.Replaced e) {
      throw new SealedObjectException(path, "run 0 belongs to another object", e);
    }
    return plaintext;
  }

  /** The stored bytes readers of this driver may see at the path. */
  private long limit(String path, long storedSize) {
    Session session = sessions.get(path);
    return session == null ? storedSize : Math.min(storedSize, session.storedSize);
  }

  /** A sealed object's stored size, layout and a reader over its bytes. */
  private record View(ObjectInfo info, CipherReader reader, Layout layout, boolean snapshot) {}

  /**
   * Finds the layout of the object at the path, or empty when there is none; tries again when the
   * object was replaced between the reads this needs.
   *
   * @param snapshotSmall whether to read a small object whole, as one snapshot
   */
  private Optional<View> view(String path, boolean snapshotSmall) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Optional<ObjectInfo> info = inner.stat(path);
      if (info.isEmpty()) {
        return Optional.empty();
      }
      long limit = limit(path, info.get().size());
      boolean snapshot = snapshotSmall && limit <= SNAPSHOT_BYTES;
      CipherReader reader;
      if (snapshot) {
        byte[] stored;
        try {
          stored = inner.getContent(path);
        } catch (NoSuchFileException e) {
          return Optional.empty();
        }
        reader =
            new CipherReader(
                CipherSource.of(stored, (int) Math.min(stored.length, limit(path, stored.length))));
      } else {
        reader = new CipherReader(CipherSource.of(inner, path, limit));
      }
      try {
        return Optional.of(new View(info.get(), reader, Layout.discover(reader), snapshot));
      } catch (NoSuchFileException e) {
        reader.close();
        return Optional.empty();
      } catch (FormatException | EOFException e) {
        reader.close();
        if (!snapshot && attempt < OPEN_ATTEMPTS && changed(path, info.get())) {
          continue;
        }
        throw new SealedObjectException(path, e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        reader.close();
        throw e;
      }
    }
  }

  private boolean changed(String path, ObjectInfo seen) throws IOException {
    return !inner.stat(path).equals(Optional.of(seen));
  }

  private ReadableByteChannel open(String path, SealingKey key, long offset) throws IOException {
    KeyProvider provider = provider(key);
    for (int attempt = 1; ; attempt++) {
      View view =
          view(path, true).orElseThrow(() -> new NoSuchFileException(path, null, "no such object"));
      UnsealingChannel channel =
          new UnsealingChannel(path, view.reader(), view.layout(), key, provider, offset);
      try {
        channel.prime();
        return channel;
      } catch (UnsealingChannel.Replaced e) {
        channel.close();
        if (!view.snapshot() && attempt < OPEN_ATTEMPTS && changed(path, view.info())) {
          continue;
        }
        throw new SealedObjectException(path, "a run belongs to another object", e);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }
  }

  private StorageWriter sealedWriter(String path, SealingKey key, boolean append)
      throws IOException {
    KeyProvider provider = provider(key);
    Layout existing = Layout.empty();
    if (append) {
      Optional<View> view = view(path, false);
      if (view.isPresent()) {
        view.get().reader().close();
        existing = view.get().layout();
      }
    }
    StorageWriter writer = inner.writer(path, append);
    if (writer.size() != existing.storedSize()) {
      writer.close();
      throw new IOException("object changed while opening a writer: " + path);
    }
    byte[] objectId =
        existing.runs().isEmpty() ? randomBytes(SealedFormat.OBJECT_ID_BYTES) : existing.objectId();
    Session session = new Session(existing.storedSize());
    sessions.put(path, session);
    return new SealedWriter(
        this,
        path,
        writer,
        key,
        provider,
        objectId,
        existing.runs().size(),
        segmentBytes,
        existing.plaintextSize(),
        session);
  }

  void endSession(String path, Session session) {
    sessions.remove(path, session);
  }
}
