package vpn

import "fmt"

// Cipher is an encryption algorithm. All block ciphers are used in CBC mode.
type Cipher int

const (
	CipherUnknown Cipher = iota
	AES128               // Alibaba "aes": AES-CBC with a 128-bit key
	AES192
	AES256
	DES
	TripleDES
	SM4 // Chinese national standard; no target vendor supports it
)

var cipherNames = map[Cipher]string{
	AES128: "AES-CBC-128", AES192: "AES-CBC-192", AES256: "AES-CBC-256",
	DES: "DES-CBC", TripleDES: "3DES-CBC", SM4: "SM4",
}

// String is the algorithm's plain-words name, e.g. "AES-CBC-128".
func (c Cipher) String() string {
	if n, ok := cipherNames[c]; ok {
		return n
	}
	return fmt.Sprintf("Cipher(%d)", int(c))
}

// Weak reports ciphers that modern platforms refuse by default.
func (c Cipher) Weak() bool { return c == DES || c == TripleDES }

// Integrity is an integrity (HMAC) algorithm; for IKE it is also the PRF.
type Integrity int

const (
	IntegrityUnknown Integrity = iota
	MD5                        // HMAC-MD5-96
	SHA1                       // HMAC-SHA1-96
	SHA256                     // HMAC-SHA2-256-128
	SHA384                     // HMAC-SHA2-384-192
	SHA512                     // HMAC-SHA2-512-256
	SM3                        // Chinese national standard; no target vendor supports it
)

var integrityNames = map[Integrity]string{
	MD5: "HMAC-MD5-96", SHA1: "HMAC-SHA1-96", SHA256: "HMAC-SHA2-256-128",
	SHA384: "HMAC-SHA2-384-192", SHA512: "HMAC-SHA2-512-256", SM3: "SM3",
}

// String is the algorithm's plain-words name, e.g. "HMAC-SHA1-96".
func (i Integrity) String() string {
	if n, ok := integrityNames[i]; ok {
		return n
	}
	return fmt.Sprintf("Integrity(%d)", int(i))
}

// Weak reports integrity algorithms that modern platforms refuse by default.
func (i Integrity) Weak() bool { return i == MD5 }

// SHA2 reports the SHA-2 family (not expressible in some IKEv1 stacks).
func (i Integrity) SHA2() bool { return i == SHA256 || i == SHA384 || i == SHA512 }

// DHGroup is an IKE Diffie-Hellman group by its IANA number; NoPFS (0)
// means no group (IPsec PFS disabled).
type DHGroup int

const (
	NoPFS   DHGroup = 0
	Group1  DHGroup = 1  // MODP 768
	Group2  DHGroup = 2  // MODP 1024
	Group5  DHGroup = 5  // MODP 1536
	Group14 DHGroup = 14 // MODP 2048
	Group24 DHGroup = 24 // MODP 2048 with 256-bit prime-order subgroup (RFC 5114)
)

var groupNames = map[DHGroup]string{
	Group1: "MODP-768 (group 1)", Group2: "MODP-1024 (group 2)", Group5: "MODP-1536 (group 5)",
	Group14: "MODP-2048 (group 14)", Group24: "MODP-2048-256 (group 24)",
}

// String is the group's plain-words name, e.g. "MODP-1024 (group 2)".
func (g DHGroup) String() string {
	if g == NoPFS {
		return "none"
	}
	if n, ok := groupNames[g]; ok {
		return n
	}
	return fmt.Sprintf("DHGroup(%d)", int(g))
}

// Weak reports groups below 2048 bits.
func (g DHGroup) Weak() bool { return g == Group1 || g == Group2 || g == Group5 }
