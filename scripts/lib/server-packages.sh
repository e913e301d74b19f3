# Debian packages for the non-Dovecot test servers, sourced by scripts/test-server and
# scripts/install-deps. *_debs conflict with dovecot-imapd (imap-server) or pull in an MTA,
# so they are only downloaded and unpacked; *_libs are what their binaries link against
# (apt-cache depends, checked with ldd on the unpacked binaries) and are installed.
# shellcheck shell=bash disable=SC2034
cyrus_debs=(cyrus-imapd cyrus-common)
cyrus_libs=(libclamav12 libical3 libicu72 libjansson4 libpcre3 libpq5 libxapian30 libxml2
    libzephyr4 libwrap0 libldap-2.5-0 libkrb5-3 libsasl2-2 libsasl2-modules libsasl2-modules-db
    sasl2-bin)
courier_debs=(courier-imap courier-base)
courier_libs=(courier-authlib courier-authdaemon courier-authlib-userdb libcourier-unicode4
    libgamin0 libgdbm6 libidn12 libgnutls30 util-linux)
mailutils_debs=(mailutils-imap4d mailutils-common)
mailutils_libs=(libmailutils9 libgsasl18 libnsl2 libunistring2 libwrap0 libgnutls30 libpam0g)
