#!/bin/sh
# mkcerts.sh DIR - make in DIR the certificates check_tls.c serves: a
# test CA (ca.crt), and keys and certificates signed by it for
# localhost (good), for another name (wrong) and for localhost but
# expired in 2020 (expired), plus a self-signed one for localhost
# (self).  An RSA CA key, EC P-256 server keys (quick to make).  Needs
# only `openssl`.
set -eu
cd "$1"
cat > ca.cnf <<'CNF'
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = ansai test CA
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ srv ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ wrong ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.example
[ ca ]
default_ca = testca
[ testca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = anything
[ anything ]
commonName = supplied
CNF

key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1.key" 2>/dev/null
}

# The CA key is RSA, as for most public CAs, so that chains check an
# RSA signature over an EC server key.
rsa_key() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1.key" 2>/dev/null
}

csr() {
	key "$1"
	openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
}

sign() {
	openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 30 -extfile ca.cnf -extensions "$2" \
	    -out "$1.crt" 2>/dev/null
}

rsa_key ca
openssl req -x509 -new -key ca.key -config ca.cnf -extensions v3_ca \
    -days 30 -out ca.crt
csr good localhost
sign good srv
csr wrong wrong.example
sign wrong wrong
# OpenSSL 3.0's req and x509 cannot set dates in the past; ca can.
csr expired localhost
: > index.txt
echo 1000 > serial
openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key \
    -in expired.csr -startdate 20200101000000Z -enddate 20200201000000Z \
    -extfile ca.cnf -extensions srv -notext -out expired.crt 2>/dev/null
key self
openssl req -x509 -new -key self.key -config ca.cnf -extensions srv \
    -subj /CN=localhost -days 30 -out self.crt
