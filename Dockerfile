# Berth runtime image. Build the jar first, then the image (see docs/docker.md):
#   mvn -B package -DskipTests
#   docker build -t berth .
#   docker run -p 5000:5000 -v berth-data:/var/lib/berth berth
#
# BASE_IMAGE may name any image with a Java 17+ runtime on PATH as `java`, and `groupadd` and
# `useradd` (Debian or Ubuntu based).
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

ARG BERTH_UID=10001
RUN groupadd --system --gid "${BERTH_UID}" berth \
    && useradd --system --uid "${BERTH_UID}" --gid berth --home-dir /var/lib/berth \
        --no-create-home --shell /usr/sbin/nologin berth \
    && mkdir -p /opt/berth /var/lib/berth /var/lib/berth-keys \
    && chown berth:berth /var/lib/berth /var/lib/berth-keys \
    && chmod 700 /var/lib/berth-keys

COPY registry-http/target/berth.jar /opt/berth/berth.jar

# Read by the java launcher; override with `docker run -e JDK_JAVA_OPTIONS=...`.
ENV JDK_JAVA_OPTIONS="-Xms64m -Xmx160m -XX:MaxDirectMemorySize=64m -Djdk.nio.maxCachedBufferSize=262144 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError"

USER berth
WORKDIR /var/lib/berth
# Data, and apart from it the master key and first credentials (or set BERTH_MASTER_KEY).
VOLUME ["/var/lib/berth", "/var/lib/berth-keys"]
EXPOSE 5000

ENTRYPOINT ["java", "-jar", "/opt/berth/berth.jar", \
            "--port", "5000", "--bind", "0.0.0.0", "--data-dir", "/var/lib/berth", \
            "--key-dir", "/var/lib/berth-keys"]
# Extra arguments; `docker run berth --log-level debug` replaces them.
CMD ["--log-level", "info"]
