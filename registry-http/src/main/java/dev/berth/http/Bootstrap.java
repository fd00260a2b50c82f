package dev.berth.http;

import dev.berth.auth.identity.IamException;
import dev.berth.auth.identity.IdentityStore;
import dev.berth.auth.identity.MasterKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First start on a fresh data directory: creates the default registry's account and an
 * administrator user {@value #ADMIN} with an access key, prints the key once, and writes it to
 * {@value #CREDENTIALS_FILE} in the key directory (mode 0600) in the AWS shared-credentials format.
 */
final class Bootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);

  static final String ADMIN = "admin";
  static final String CREDENTIALS_FILE = "admin-credentials";
  static final String ADMIN_POLICY_NAME = "AdministratorAccess";
  static final String ADMIN_POLICY =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}";

  private Bootstrap() {}

  /** Creates the first identities if the store has none. */
  static void run(IdentityStore identities, ServerConfig config) throws IOException {
    if (identities.hasAccounts()) {
      return;
    }
    String account = config.defaultRegistry().account();
    identities.ensureAccount(account);
    try {
      identities.createUser(account, ADMIN);
    } catch (IamException e) {
      return; // another node bootstrapped concurrently
    }
    identities.putUserPolicy(account, ADMIN, ADMIN_POLICY_NAME, ADMIN_POLICY);
    IdentityStore.NewAccessKey key = identities.createAccessKey(account, ADMIN);
    Path file = config.keyDir().resolve(CREDENTIALS_FILE);
    Files.createDirectories(config.keyDir());
    Files.deleteIfExists(file);
    Files.writeString(
        MasterKey.OwnerOnly.create(file),
        "[berth]\naws_access_key_id = "
            + key.key().accessKeyId()
            + "\naws_secret_access_key = "
            + key.secretAccessKey()
            + "\nregion = "
            + config.defaultRegistry().region()
            + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.WRITE);
    String banner =
        "\n=== Berth first start ===\n"
            + "Account "
            + account
            + ", administrator user '"
            + ADMIN
            + "'.\n"
            + "  AWS_ACCESS_KEY_ID="
            + key.key().accessKeyId()
            + "\n  AWS_SECRET_ACCESS_KEY="
            + key.secretAccessKey()
            + "\nThis secret is shown once; it is also in "
            + file.toAbsolutePath()
            + " (readable only by you).\n"
            + "=========================\n";
    System.out.print(banner);
    System.out.flush();
    LOG.info(
        "bootstrapped account {} with administrator {}, key {} (credentials in {})",
        account,
        ADMIN,
        key.key().accessKeyId(),
        file.toAbsolutePath());
  }
}
