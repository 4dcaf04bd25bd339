#!/bin/sh
# Writes the man page simpul(1) in roff to stdout, made from the --help text
# of simpul and of each of its commands, so that the page never drifts from
# the binary.
#   deploy/manpage.sh [EMULATOR] SIMPUL > simpul.1
# e.g. deploy/manpage.sh build/simpul, or for an arm64 build
# deploy/manpage.sh qemu-aarch64-static build-arm64/simpul.
# The date is $SOURCE_DATE_EPOCH's (reproducible builds), else today's.
set -eu

# Text as roff, kept as it is (no fill): backslashes, minus signs and lines
# starting with a control character escaped.
roff() {
  sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^[.']/\\\\\\&&/"
}

top=$("$@" --help)
version=$("$@" --version | sed 's/^simpul //')
date=$(date -u ${SOURCE_DATE_EPOCH:+-d "@$SOURCE_DATE_EPOCH"} +%Y-%m-%d)
cmds=$(printf '%s\n' "$top" |
  sed -n '/^commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p')
[ -n "$cmds" ] || { echo "manpage: no commands in '$* --help'" >&2; exit 1; }

cat <<ROFF
.TH SIMPUL 1 "$date" "simpul $version" "User Commands"
.SH NAME
simpul \\- signed, replicated change log for a KIM node
.SH SYNOPSIS
.nf
ROFF
printf '%s\n' "$top" | sed -n '1,/^$/p' | sed -e '/^$/d' \
  -e 's/^usage: //' -e 's/^       //' | roff
cat <<'ROFF'
.fi
.SH DESCRIPTION
.nf
ROFF
printf '%s\n' "$top" | sed '1,/^$/d' | roff
cat <<'ROFF'
.fi
.SH COMMANDS
Each command's own \fB\-\-help\fR text.
ROFF
for c in $cmds; do
  printf '.SS "simpul %s"\n.nf\n' "$c"
  "$@" "$c" --help | roff
  printf '.fi\n'
done
cat <<'ROFF'
.SH ENVIRONMENT
.TP
.B SIMPUL_DATA
the data directory when \fB\-\-data\fR is not given.
.SH FILES
.TP
.I /var/lib/simpul
the data directory of the node that the package's service runs: its key
(node.key), config (simpul.conf), store and HTTP API token (http.token).
.TP
.I /etc/simpul/simpul.conf
a link to /var/lib/simpul/simpul.conf, written by \fBsimpul init\fR.
.TP
.I ~/.local/share/simpul
the data directory of a user's own node.
.SH SEE ALSO
.BR systemctl (1),
.BR journalctl (1)
ROFF
