package audit

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
)

// A statement is a document ChargeDesk hands out about the trail (an access report), signed
// with the checkpoints' Ed25519 key so that whoever holds the public half (audit public-key)
// can check it without the secret. The signed bytes are "chargedesk <kind> v1\n" followed by
// the document: a checkpoint body is JSON that starts with "{", so no statement's signature
// can pass for a checkpoint's, nor one kind's for another's.

func statementBytes(kind string, raw []byte) []byte {
	return append([]byte("chargedesk "+kind+" v1\n"), raw...)
}

// SignStatement signs raw as a statement of kind (base64).
func (t *Trail) SignStatement(kind string, raw []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(t.sign, statementBytes(kind, raw)))
}

// PublicKey is the hex public half of the key that signs checkpoints and statements.
func (t *Trail) PublicKey() string { return t.key.PublicKey() }

// VerifyStatement reports whether sig is publicKey's signature of raw as a statement of kind.
func VerifyStatement(publicKey, kind string, raw []byte, sig string) bool {
	pub, ok := parsePublic(publicKey)
	if !ok {
		return false
	}
	s, err := base64.StdEncoding.DecodeString(sig)
	return err == nil && ed25519.Verify(pub, statementBytes(kind, raw), s)
}

// OpenCheckpointWith checks a checkpoint's signature with the public key alone and decodes
// its body.
func OpenCheckpointWith(publicKey string, raw []byte, sig string) (CheckpointBody, bool) {
	var b CheckpointBody
	pub, ok := parsePublic(publicKey)
	if !ok {
		return b, false
	}
	s, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !ed25519.Verify(pub, raw, s) {
		return b, false
	}
	return b, json.Unmarshal(raw, &b) == nil
}

func parsePublic(h string) (ed25519.PublicKey, bool) {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, false
	}
	return ed25519.PublicKey(b), true
}
