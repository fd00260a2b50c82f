#!/usr/bin/env bash
# Installs and starts what the integration tests in src-it need on Debian bookworm, as root:
# a Docker engine (docker.io), skopeo, busybox-static (the rootfs of the test images that
# DockerPushPullIT and AuthWorkflowIT make, since nothing can be pulled from Docker Hub),
# awscli (AWS CLI v2 at /usr/bin/aws; AuthWorkflowIT also runs the image's pip AWS CLI v1 `aws`),
# and docker-registry (CNCF Distribution 2.8 at /usr/bin/docker-registry: the reference registry
# that bench/run and BenchQuickIT compare Berth with; they start their own instance on loopback).
#
# It also makes the ECR-style registry host name that AuthWorkflowIT pushes to with docker,
# 000000000000.dkr.ecr.us-east-1.localhost, resolve to 127.0.0.1 through /etc/hosts: glibc here
# does not resolve *.localhost by itself, docker resolves registry names on its own, and a name
# that resolves to loopback is a plain-HTTP ("insecure") registry for docker without any
# daemon flag.
#
# Idempotent: installs only missing packages, adds the hosts entry only when the name does not
# resolve, and starts dockerd only when `docker info` does not answer already. dockerd runs as
# DESIGN.md says: vfs storage (works on any filesystem), no iptables and no bridge (the sandbox
# has only loopback; tests use host networking).
#
# Env: DOCKERD_LOG  where dockerd logs (default /tmp/berth-dockerd.log)
set -euo pipefail

PACKAGES=(docker.io skopeo busybox-static awscli docker-registry)
DOCKERD_LOG="${DOCKERD_LOG:-/tmp/berth-dockerd.log}"
ECR_HOST=000000000000.dkr.ecr.us-east-1.localhost
DOCKERD_READY_SECONDS=60

log() { echo "[install-tools] $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (apt-get install, dockerd)"
  exit 1
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -q
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
else
  log "already installed: ${PACKAGES[*]}"
fi

if getent hosts "$ECR_HOST" >/dev/null; then
  log "$ECR_HOST resolves: $(getent hosts "$ECR_HOST" | head -n 1)"
else
  log "adding $ECR_HOST -> 127.0.0.1 to /etc/hosts"
  printf '127.0.0.1 %s\n' "$ECR_HOST" >>/etc/hosts
fi

if docker info >/dev/null 2>&1; then
  log "dockerd already running"
else
  log "starting dockerd, log: $DOCKERD_LOG"
  nohup dockerd --storage-driver=vfs --iptables=false --bridge=none \
    </dev/null >"$DOCKERD_LOG" 2>&1 &
  ready=false
  for _ in $(seq 1 "$DOCKERD_READY_SECONDS"); do
    if docker info >/dev/null 2>&1; then
      ready=true
      break
    fi
    sleep 1
  done
  if [ "$ready" != true ]; then
    log "dockerd not ready after ${DOCKERD_READY_SECONDS} s; end of $DOCKERD_LOG:"
    tail -n 50 "$DOCKERD_LOG" >&2 || true
    exit 1
  fi
  log "dockerd ready"
fi

log "$(docker version --format 'docker client {{.Client.Version}}, server {{.Server.Version}}')"
log "$(skopeo --version)"
log "busybox: $(command -v busybox)"
log "AWS CLI v2: $(/usr/bin/aws --version 2>&1)"
# The pip AWS CLI v1 comes with the image, not from here; say which `aws` is first on PATH.
log "aws on PATH: $(command -v aws || echo none) ($(aws --version 2>&1 || true))"

# Python's moto (S3 and KMS for MultiNodeIT, S3MotoContractIT, AwsKmsKeyProviderIT,
# EncryptionKmsIT) and the pip AWS CLI v1 come with the machine image: neither is a Debian
# package here and PyPI is not reachable. Stop now, with the reason, when the image lacks them,
# rather than in the middle of the test run.
if ! python3 -c 'import moto.server, flask, werkzeug' 2>/dev/null; then
  log "python3 cannot import moto.server (moto[server]); the integration tests need it"
  exit 1
fi
log "moto $(python3 -c 'import moto; print(moto.__version__)')"
if ! aws --version 2>&1 | grep -q '^aws-cli/1\.'; then
  log "the first aws on PATH is not the pip AWS CLI v1 that AuthWorkflowIT runs beside /usr/bin/aws"
  exit 1
fi
log "docker-registry: $(/usr/bin/docker-registry --version 2>&1 | head -n 1)"
