package dev.berth.core.repo;

import static dev.berth.core.repo.Storage.io;

import dev.berth.core.Digest;
import dev.berth.core.ErrorKind;
import dev.berth.core.RegistryException;
import dev.berth.core.Repository;
import dev.berth.storage.ObjectInfo;
import dev.berth.storage.StorageDriver;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Blobs as a repository sees them: a blob is served only through a repository that links it, so
 * knowing a digest grants nothing.
 */
public final class Blobs {
  private final StorageDriver driver;
  private final KeyDomains domains;

  Blobs(StorageDriver driver, KeyDomains domains) {
    this.driver = driver;
    this.domains = domains;
  }

  /** The blob if the repository links it and its data exists. */
  public Optional<BlobInfo> stat(Repository repo, Digest digest) {
    return io(
        "reading blob " + digest,
        () -> {
          Optional<String> domain = linkedDomain(repo, digest);
          if (domain.isEmpty()) {
            return Optional.empty();
          }
          Optional<ObjectInfo> data = driver.stat(Paths.blobData(domain.get(), digest));
          return data.map(info -> new BlobInfo(digest, info.size(), domain.get()));
        });
  }

  /** The key domain of the data a repository's link grants, if the repository links the blob. */
  private Optional<String> linkedDomain(Repository repo, Digest digest) throws IOException {
    byte[] link;
    try {
      link = driver.getContent(Paths.layerLink(repo, digest));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    String[] fields = new String(link, StandardCharsets.UTF_8).trim().split(" ");
    if (fields.length < 2) {
      return Optional.of(Paths.DEFAULT_KEY_DOMAIN);
    }
    if (!KeyDomains.isDomainName(fields[1])) {
      throw new IOException("corrupt blob link of " + digest + " in " + repo);
    }
    return Optional.of(fields[1]);
  }

  /**
   * Whether the repository links the blob, even if its data is no longer stored (then {@link #stat}
   * is empty).
   */
  public boolean isLinked(Repository repo, Digest digest) {
    return io(
        "reading blob link " + digest,
        () -> driver.stat(Paths.layerLink(repo, digest)).isPresent());
  }

  /**
   * The blob, which must be linked to the repository.
   *
   * @throws RegistryException {@link ErrorKind#BLOB_UNKNOWN}
   */
  public BlobInfo require(Repository repo, Digest digest) {
    return stat(repo, digest)
        .orElseThrow(
            () ->
                new RegistryException(
                    ErrorKind.BLOB_UNKNOWN, "blob unknown to repository: " + digest));
  }

  /** Opens a blob's bytes from an offset; call {@link #require} first. */
  public ReadableByteChannel open(BlobInfo blob, long offset) {
    return io(
        "opening blob " + blob.digest(),
        () -> driver.reader(Paths.blobData(blob.keyDomain(), blob.digest()), offset));
  }

  /**
   * A URL reading the blob's bytes straight from the store for {@code ttl}, if it has such URLs.
   */
  public Optional<java.net.URI> directUrl(BlobInfo blob, java.time.Duration ttl) {
    return io(
        "presigning blob " + blob.digest(),
        () -> driver.presignedGet(Paths.blobData(blob.keyDomain(), blob.digest()), ttl));
  }

  /** A local file with the blob's bytes, for zero-copy transfer, if the driver has one. */
  public Optional<Path> localFile(BlobInfo blob) {
    return io(
        "locating blob " + blob.digest(),
        () -> driver.localFile(Paths.blobData(blob.keyDomain(), blob.digest())));
  }

  /**
   * Removes the blob from the repository; its data stays for other repositories until garbage
   * collection.
   *
   * @throws RegistryException {@link ErrorKind#BLOB_UNKNOWN} if the repository does not link it
   */
  public void delete(Repository repo, Digest digest) {
    boolean deleted =
        io("deleting blob link " + digest, () -> driver.delete(Paths.layerDir(repo, digest)));
    if (!deleted) {
      throw new RegistryException(ErrorKind.BLOB_UNKNOWN, "blob unknown to repository: " + digest);
    }
  }

  /**
   * Links a blob that {@code from} serves into {@code target}, when both repositories seal with the
   * same key (as ECR mounts only between repositories of the same encryption); otherwise the client
   * uploads the blob, sealed with the target's key.
   *
   * @return the blob, or empty when {@code from} cannot serve it or uses another key (then nothing
   *     changed)
   */
  public Optional<BlobInfo> mount(Repository target, Repository from, Digest digest) {
    Optional<BlobInfo> source =
        stat(from, digest).filter(b -> b.keyDomain().equals(domains.forRepository(target)));
    source.ifPresent(blob -> link(target, digest, blob.keyDomain()));
    return source;
  }

  /** Lets the repository serve a blob whose data is stored in the given key domain. */
  void link(Repository repo, Digest digest, String keyDomain) {
    io(
        "linking blob " + digest,
        () -> {
          driver.putContent(
              Paths.layerLink(repo, digest),
              (digest + " " + keyDomain).getBytes(StandardCharsets.UTF_8));
          return null;
        });
  }
}
