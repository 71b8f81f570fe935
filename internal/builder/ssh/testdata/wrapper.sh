#!/bin/bash
# ForceCommand of the test sshd: stands in for a Haiku builder's login
# shell. It records every command line kiln sends (one a line in
# $1/commands.log), then runs it with bash, /boot/system/boot/SetupEnvironment
# mapped to $1/SetupEnvironment. The sftp subsystem is passed through.
dir=$1
cmd=$SSH_ORIGINAL_COMMAND
if [ "$cmd" = /usr/lib/openssh/sftp-server ]; then
	exec /usr/lib/openssh/sftp-server
fi
printf '%s\n' "$cmd" >>"$dir/commands.log"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null
export PATH="$dir/bin:$PATH"
exec /bin/bash -c "${cmd//\/boot\/system\/boot\/SetupEnvironment/$dir/SetupEnvironment}"
