package dev.berth.http.oci;

/**
 * The ECR IAM actions that {@code /v2} operations require, as ECR maps them.
 *
 * <table>
 *   <caption>/v2 operation → action</caption>
 *   <tr><td>GET manifest, GET referrers</td><td>{@value #GET_IMAGE}</td></tr>
 *   <tr><td>GET blob</td><td>{@value #GET_LAYER}</td></tr>
 *   <tr><td>HEAD blob</td><td>{@value #CHECK_LAYER} or {@value #GET_LAYER}</td></tr>
 *   <tr><td>POST upload</td><td>{@value #INITIATE_UPLOAD} (a mount also needs {@value #GET_LAYER}
 *       on the source)</td></tr>
 *   <tr><td>PATCH, GET, DELETE upload</td><td>{@value #UPLOAD_PART}</td></tr>
 *   <tr><td>PUT upload</td><td>{@value #UPLOAD_PART} and {@value #COMPLETE_UPLOAD}</td></tr>
 *   <tr><td>PUT manifest</td><td>{@value #PUT_IMAGE}</td></tr>
 *   <tr><td>DELETE manifest or blob</td><td>{@value #DELETE_IMAGE}</td></tr>
 *   <tr><td>GET tags/list</td><td>{@value #LIST_IMAGES}</td></tr>
 *   <tr><td>GET _catalog</td><td>lists repositories allowing {@value #DESCRIBE_REPOSITORIES}</td></tr>
 * </table>
 */
final class EcrActions {
  static final String GET_IMAGE = "ecr:BatchGetImage";
  static final String GET_LAYER = "ecr:GetDownloadUrlForLayer";
  static final String CHECK_LAYER = "ecr:BatchCheckLayerAvailability";
  static final String INITIATE_UPLOAD = "ecr:InitiateLayerUpload";
  static final String UPLOAD_PART = "ecr:UploadLayerPart";
  static final String COMPLETE_UPLOAD = "ecr:CompleteLayerUpload";
  static final String PUT_IMAGE = "ecr:PutImage";
  static final String DELETE_IMAGE = "ecr:BatchDeleteImage";
  static final String LIST_IMAGES = "ecr:ListImages";
  static final String DESCRIBE_REPOSITORIES = "ecr:DescribeRepositories";

  private EcrActions() {}
}
