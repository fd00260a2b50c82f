package dev.berth.auth.identity;

import java.time.Instant;

/**
 * An IAM user.
 *
 * @param account its account
 * @param userName its name, unique in the account (case-insensitively, as in IAM)
 * @param userId its stable ID ({@code AIDA...})
 * @param createdAt creation time
 */
public record User(String account, String userName, String userId, Instant createdAt) {
  /** {@code arn:aws:iam::<account>:user/<name>}. */
  public String arn() {
    return "arn:aws:iam::" + account + ":user/" + userName;
  }
}
