#!/bin/sh
# Set up, build, and run the demo or the tests of fukuhon on Debian 12.
#   ./autogen.sh          install what is missing (as root), configure, build
#   ./autogen.sh demo     ... then make a demo terminal in ./demo and start the console
#   ./autogen.sh demo-shared  ... or two terminals' consoles on one throwaway PostgreSQL (make demo-shared)
#   ./autogen.sh check    ... then run every test (make check)
# Extra configure options may be given in $CONFIGURE_FLAGS (e.g. --enable-werror).
set -eu
cd "$(dirname "$0")"

PACKAGES="build-essential autoconf automake libtool pkg-config autopoint gettext
libncurses-dev libpam0g-dev libpam-modules libssl-dev libevent-dev libsqlite3-dev libjansson-dev libyajl-dev liblz4-dev check
libpam-wrapper tmux sqlite3 libpq-dev postgresql-15
libcairo2-dev libpango1.0-dev fonts-ipamj-mincho fonts-ipaexfont-mincho poppler-utils
libcups2-dev cups-ipp-utils"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "These Debian packages are missing. As root, run:" >&2
		echo "  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing > /dev/null
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	./configure ${CONFIGURE_FLAGS:-}
fi
make -j"$(nproc)"

case "${1:-build}" in
build) ;;
demo) exec make demo ;;
demo-shared) exec make demo-shared ;;
check) exec make -j"$(nproc)" check ;;
*) echo "usage: $0 [build|demo|demo-shared|check]" >&2; exit 2 ;;
esac
