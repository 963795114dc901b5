# shellcheck shell=bash
# Shared shell of the buildspecs: sourced by every command block as `. "$TFPF_LIB/common.sh"`.
#
# Composed into each buildspec at synth (src/pipeline/buildspec-compose.ts) together with grammar.sh, which is
# generated from the tag grammar of src/tag/ (TFPF_NAME_ERE, TFPF_REGION_ERE, TFPF_VERSION_ERE,
# TFPF_MAX_TAG_LENGTH), and the Python helpers of this folder. Only functions are defined here; nothing runs when it
# is sourced. Values are always quoted; optional arguments are arrays; nothing is evaluated as code.

# shellcheck source=/dev/null
. "$TFPF_LIB/grammar.sh"

tfpf_fail() {
  echo "$*" >&2
  exit 1
}

tfpf_invalid() { # <name> <value> <what is allowed>
  tfpf_fail "invalid $1: '$2' ($3)"
}

# Engine of this build: sets TFPF_TF (terraform|tofu) and puts the pinned engine on PATH, checked by version.
tfpf_setup_engine() {
  : "${TF_VERSION:?TF_VERSION is not set}"
  case "${TF_ENGINE:-}" in
    terraform) TFPF_TF=terraform ;;
    opentofu) TFPF_TF=tofu ;;
    *) tfpf_fail "TF_ENGINE must be terraform or opentofu; found '${TF_ENGINE:-}'" ;;
  esac
  export TFPF_TF
  # Checked against the tools lock (CodeBuild) or install-tools' record (local runner) before it runs.
  local dir
  dir="$(python3 "$TFPF_LIB/tfpf_tools.py" install "$TFPF_TF" "$TFPF_WORK/tools")"
  export PATH="$dir:$PATH"
  local actual
  actual="$("$TFPF_TF" version -json | python3 -c 'import json, sys; print(json.load(sys.stdin)["terraform_version"])')"
  if [[ "$actual" != "$TF_VERSION" ]]; then
    # A source build (the local runner's go-built engine) reports "<version>-dev".
    if [[ -n "${TFPF_LOCAL_TOOLS:-}" && "$actual" == "$TF_VERSION-dev" ]]; then
      echo "note: $TFPF_TF $actual is a source build of $TF_VERSION"
    else
      tfpf_fail "$TFPF_TF $actual found, expected $TF_VERSION"
    fi
  fi
  echo "$TF_ENGINE $actual ($(command -v "$TFPF_TF"))"
}

# Release variables come from whoever started the execution: every one is checked here, against the tag grammar,
# against each other, against the environment's static settings and against the checked-out source.
tfpf_validate_release() { # <role variable name>
  local role_variable="$1" name
  for name in RELEASE_TAG ENVIRONMENT REGION TARGET_REGION TEAM VERSION STATE_KEY TARGET_ACCOUNT COMMIT_ID \
    SOURCE_COMMIT TEAM_ACCOUNTS STATE_BUCKET STATE_REGION LOCKING LAYOUT_REGIONAL LAYOUT_GLOBAL "$role_variable"; do
    [[ -n "${!name:-}" ]] || tfpf_fail "environment variable $name is not set (pipeline variable or CodeBuild project setting)"
  done
  ((${#RELEASE_TAG} <= TFPF_MAX_TAG_LENGTH)) || tfpf_invalid RELEASE_TAG "${RELEASE_TAG:0:40}..." "at most $TFPF_MAX_TAG_LENGTH characters"
  [[ "$ENVIRONMENT" =~ $TFPF_NAME_ERE ]] || tfpf_invalid ENVIRONMENT "$ENVIRONMENT" "an environment name"
  [[ "$TEAM" =~ $TFPF_NAME_ERE ]] || tfpf_invalid TEAM "$TEAM" "a team name"
  [[ "$REGION" == global || "$REGION" =~ $TFPF_REGION_ERE ]] || tfpf_invalid REGION "$REGION" "a region code or global"
  [[ "$VERSION" =~ $TFPF_VERSION_ERE ]] || tfpf_invalid VERSION "$VERSION" "MAJOR.MINOR[.PATCH][-pre-release], optional leading v"
  [[ "$RELEASE_TAG" == "${ENVIRONMENT}_${REGION}/${TEAM}/${VERSION}" ]] ||
    tfpf_invalid RELEASE_TAG "$RELEASE_TAG" "must be ${ENVIRONMENT}_${REGION}/${TEAM}/${VERSION}, from ENVIRONMENT, REGION, TEAM and VERSION"
  [[ "$TARGET_REGION" =~ $TFPF_REGION_ERE ]] || tfpf_invalid TARGET_REGION "$TARGET_REGION" "a region code"
  [[ "$REGION" == global || "$REGION" == "$TARGET_REGION" ]] || tfpf_invalid TARGET_REGION "$TARGET_REGION" "must equal REGION"
  [[ "$STATE_REGION" =~ $TFPF_REGION_ERE ]] || tfpf_invalid STATE_REGION "$STATE_REGION" "a region code"
  [[ "$TARGET_ACCOUNT" =~ ^[0-9]{12}$ ]] || tfpf_invalid TARGET_ACCOUNT "$TARGET_ACCOUNT" "12 digits"
  [[ "$STATE_KEY" == "$TEAM/$ENVIRONMENT-$REGION/terraform.tfstate" ]] ||
    tfpf_invalid STATE_KEY "$STATE_KEY" "must be $TEAM/$ENVIRONMENT-$REGION/terraform.tfstate"
  [[ "$STATE_BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ && "$STATE_BUCKET" == *"-$ENVIRONMENT" ]] ||
    tfpf_invalid STATE_BUCKET "$STATE_BUCKET" "the S3 bucket <prefix>-$ENVIRONMENT"
  [[ "${!role_variable}" == "tfpf-$ENVIRONMENT-"* && "${!role_variable}" =~ ^[A-Za-z0-9+=,.@_-]{1,64}$ ]] ||
    tfpf_invalid "$role_variable" "${!role_variable}" "the IAM role tfpf-$ENVIRONMENT-<action>"

  # The team and the account belong together in this environment (TEAM_ACCOUNTS is the project's static setting).
  local pair expected=""
  for pair in $TEAM_ACCOUNTS; do
    [[ "$pair" =~ ^[a-z][a-z0-9-]{0,30}=[0-9]{12}$ ]] || tfpf_invalid TEAM_ACCOUNTS "$pair" "team=account pairs"
    if [[ "${pair%%=*}" == "$TEAM" ]]; then expected="${pair#*=}"; fi
  done
  [[ -n "$expected" ]] || tfpf_invalid TEAM "$TEAM" "not a team of environment $ENVIRONMENT"
  [[ "$TARGET_ACCOUNT" == "$expected" ]] ||
    tfpf_invalid TARGET_ACCOUNT "$TARGET_ACCOUNT" "team $TEAM deploys to account $expected in $ENVIRONMENT"

  # The source is the tagged commit: the pipeline variable, the source action's commit and the checked-out tree agree.
  [[ "$COMMIT_ID" =~ ^[0-9a-f]{40}$ ]] || tfpf_invalid COMMIT_ID "$COMMIT_ID" "a 40-character commit id"
  [[ "$SOURCE_COMMIT" == "$COMMIT_ID" ]] ||
    tfpf_fail "source mismatch: the Source action checked out commit '$SOURCE_COMMIT', but the release is commit $COMMIT_ID; nothing was run"
  if [[ -n "${CODEBUILD_RESOLVED_SOURCE_VERSION:-}" && "$CODEBUILD_RESOLVED_SOURCE_VERSION" != "$COMMIT_ID" ]]; then
    tfpf_fail "source mismatch: the build's source is '$CODEBUILD_RESOLVED_SOURCE_VERSION', but the release is commit $COMMIT_ID; nothing was run"
  fi
  if [[ -d "$CODEBUILD_SRC_DIR/.git" ]]; then
    local head
    head="$(git -C "$CODEBUILD_SRC_DIR" rev-parse HEAD 2>/dev/null || true)"
    [[ "$head" == "$COMMIT_ID" ]] ||
      tfpf_fail "source mismatch: the checked-out tree is at '$head', but the release is commit $COMMIT_ID; nothing was run"
  fi

  case "$LOCKING" in
    s3-lockfile) ;;
    dynamodb) [[ "${LOCK_TABLE:-}" =~ ^[A-Za-z0-9_.-]{3,255}$ ]] || tfpf_invalid LOCK_TABLE "${LOCK_TABLE:-}" "a DynamoDB table name" ;;
    *) tfpf_invalid LOCKING "$LOCKING" "s3-lockfile or dynamodb" ;;
  esac
  if [[ -n "${STATE_KMS_KEY:-}" && ! "$STATE_KMS_KEY" =~ ^[A-Za-z0-9:/_.-]{1,2048}$ ]]; then
    tfpf_invalid STATE_KMS_KEY "$STATE_KMS_KEY" "a KMS key id, ARN or alias"
  fi
  if [[ -n "${TFPF_AWS_ENDPOINT:-}" && ! "$TFPF_AWS_ENDPOINT" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$ ]]; then
    tfpf_invalid TFPF_AWS_ENDPOINT "$TFPF_AWS_ENDPOINT" "http(s)://host[:port]"
  fi
  : "${AWS_PARTITION:=aws}"
  [[ "$AWS_PARTITION" =~ ^aws(-[a-z]+)*$ ]] || tfpf_invalid AWS_PARTITION "$AWS_PARTITION" "an AWS partition such as aws, aws-cn, aws-us-gov"
  export AWS_PARTITION
  echo "release $RELEASE_TAG: commit $COMMIT_ID, team $TEAM, account $TARGET_ACCOUNT, region $TARGET_REGION"
}

# Root module and var files of the release (layout in factory.yaml); the release values Terraform receives, and
# the repo values that disagree with them. Writes $TFPF_WORK/{plan-args,release-vars.json,root}; exports TFPF_ROOT.
tfpf_prepare_root() {
  local scope_root
  if [[ "$REGION" == global ]]; then scope_root="$LAYOUT_GLOBAL"; else scope_root="$LAYOUT_REGIONAL"; fi
  python3 "$TFPF_LIB/tfpf_stage.py" release-vars "$CODEBUILD_SRC_DIR" "$scope_root" "$TFPF_WORK"
  TFPF_ROOT="$(cat "$TFPF_WORK/root")"
  export TFPF_ROOT
}

# Reads $TFPF_WORK/plan-args (one Terraform argument per line) into the array named by $1.
tfpf_read_var_args() {
  local -n into="$1"
  into=()
  local line
  while IFS= read -r line; do into+=("$line"); done <"$TFPF_WORK/plan-args"
}

# Credentials. The state backend uses [profile tfpf-state], the tooling account's identity of this build (the
# CodeBuild project role); the providers use AWS_PROFILE=tfpf-target, which assumes the workload account's role of
# this action with a SourceIdentity naming the release. Both profiles get their keys from tfpf_credentials.py
# (credential_process), whose only inputs are the build's own credentials (environment keys on Lambda compute and
# in the local runner, the container endpoint on EC2 compute) and a JSON file written here: no value is ever
# interpolated into a command line. The role never travels as a Terraform variable, so a saved plan cannot carry
# it into apply.
tfpf_write_credentials() { # <action> <role variable name>
  local action="$1" role_variable="$2"
  local role_arn="arn:$AWS_PARTITION:iam::$TARGET_ACCOUNT:role/${!role_variable}"
  AWS_CONFIG_FILE="$TFPF_WORK/aws-config"
  AWS_SHARED_CREDENTIALS_FILE="$TFPF_WORK/aws-credentials"
  export AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
  (
    umask 077
    : >"$AWS_SHARED_CREDENTIALS_FILE"
    python3 "$TFPF_LIB/tfpf_credentials.py" configure "$TFPF_WORK" "$action" "$role_arn"
  )
  # The build's own keys now live only in the 0600 source file: Terraform must not see them in its environment,
  # where they would take precedence over the profiles.
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
  export AWS_PROFILE=tfpf-target AWS_SDK_LOAD_CONFIG=1
  if [[ -n "${TFPF_AWS_ENDPOINT:-}" ]]; then
    export AWS_ENDPOINT_URL="$TFPF_AWS_ENDPOINT" AWS_ENDPOINT_URL_STS="$TFPF_AWS_ENDPOINT"
    echo "local runner: AWS endpoint $TFPF_AWS_ENDPOINT"
  fi
  echo "providers: AWS_PROFILE=tfpf-target assumes $role_arn"

  # Fail early, with the role named, when the workload role cannot be assumed.
  if [[ "${TFPF_SKIP_ROLE_CHECK:-}" == 1 ]]; then
    echo "role check skipped (TFPF_SKIP_ROLE_CHECK=1)"
  else
    python3 "$TFPF_LIB/tfpf_credentials.py" check "$TFPF_WORK"
  fi
}

# Backend configuration file (partial backend "s3" {} in the root module), on the tfpf-state profile.
tfpf_write_backend() {
  (
    umask 077
    printf 'bucket  = "%s"\n' "$STATE_BUCKET"
    printf 'key     = "%s"\n' "$STATE_KEY"
    printf 'region  = "%s"\n' "$STATE_REGION"
    printf 'encrypt = true\n'
    printf 'profile = "tfpf-state"\n'
    if [[ -n "${STATE_KMS_KEY:-}" ]]; then printf 'kms_key_id = "%s"\n' "$STATE_KMS_KEY"; fi
    case "$LOCKING" in
      s3-lockfile) printf 'use_lockfile = true\n' ;;
      dynamodb) printf 'dynamodb_table = "%s"\n' "$LOCK_TABLE" ;;
    esac
    if [[ -n "${TFPF_AWS_ENDPOINT:-}" ]]; then
      # Local runner only: the S3/DynamoDB/STS emulator (moto) on this machine.
      printf 'use_path_style = true\nskip_credentials_validation = true\nskip_requesting_account_id = true\n'
      printf 'skip_metadata_api_check = true\nskip_region_validation = true\n'
      printf 'endpoints = {\n  s3       = "%s"\n  dynamodb = "%s"\n  sts      = "%s"\n}\n' \
        "$TFPF_AWS_ENDPOINT" "$TFPF_AWS_ENDPOINT" "$TFPF_AWS_ENDPOINT"
    fi
  ) >"$TFPF_WORK/backend.hcl"
  echo "state: s3://$STATE_BUCKET/$STATE_KEY ($STATE_REGION, locking $LOCKING${LOCK_TABLE:+ table $LOCK_TABLE})"
}

# The release setup every Terraform action shares: engine, checks, root and variables, credentials, backend.
tfpf_terraform_setup() { # <action> <role variable name>
  TFPF_WORK="$(mktemp -d "${TMPDIR:-/tmp}/tfpf-work.XXXXXX")"
  export TFPF_WORK
  tfpf_validate_release "$2"
  tfpf_setup_engine
  tfpf_prepare_root
  tfpf_write_credentials "$1" "$2"
  tfpf_write_backend
}

# Mode of the plan buildspec: TFPF_MODE unset or "release" (the pipeline's plan action) or "drift" (a scheduled
# drift check of an applied release). Prints the mode.
tfpf_plan_mode() {
  case "${TFPF_MODE:-release}" in
    release | drift) echo "${TFPF_MODE:-release}" ;;
    *) tfpf_invalid TFPF_MODE "${TFPF_MODE}" "release or drift" ;;
  esac
}

# Drift mode: plans the applied release against the current state with -detailed-exitcode, never holding the lock
# (-lock=false) and never writing state (a plan does not; the role cannot). The plan stays in $TFPF_WORK: there is
# no artifact, so nothing of a drift check can ever be applied. Exports DRIFT_STATUS (none | drifted) and
# DRIFT_ADD, DRIFT_CHANGE, DRIFT_DESTROY (a replacement counts once to add and once to destroy, as Terraform
# counts it). A failed plan fails the build.
tfpf_drift_check() {
  local work="$TFPF_WORK/drift" rc=0
  local -a drift_args
  mkdir -p "$work"
  cd "$TFPF_ROOT" || tfpf_fail "cannot enter the root module $TFPF_ROOT"
  tfpf_read_var_args drift_args
  "$TFPF_TF" init -input=false -no-color -backend-config="$TFPF_WORK/backend.hcl"
  "$TFPF_TF" plan -input=false -no-color -lock=false -detailed-exitcode -out="$work/tfplan" "${drift_args[@]}" || rc=$?
  case "$rc" in
    0) DRIFT_STATUS=none ;;
    2) DRIFT_STATUS=drifted ;;
    *) tfpf_fail "drift check: $TFPF_TF plan failed (exit $rc); nothing was recorded as drift" ;;
  esac
  "$TFPF_TF" show -json "$work/tfplan" >"$work/plan.json"
  python3 "$TFPF_LIB/tfpf_stage.py" drift-counts "$work/plan.json" >"$work/counts"
  {
    read -r DRIFT_ADD
    read -r DRIFT_CHANGE
    read -r DRIFT_DESTROY
  } <"$work/counts"
  export DRIFT_STATUS DRIFT_ADD DRIFT_CHANGE DRIFT_DESTROY
  echo "DRIFT_STATUS=$DRIFT_STATUS ($DRIFT_ADD to add, $DRIFT_CHANGE to change, $DRIFT_DESTROY to destroy)"
}
