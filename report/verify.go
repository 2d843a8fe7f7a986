package report

import (
	"bytes"
	"encoding/json"
	"fmt"

	"chargedesk/audit"
)

// Verify checks a report file against the audit key's public half (hex, from `chargedesk
// audit public-key` on the server): the report's signature, the signature of the checkpoint it
// carries, and that it covers exactly up to that checkpoint's heads. It returns the report.
// Whitespace outside strings does not count (a file re-indented still verifies); any other
// byte changed does.
func Verify(file []byte, publicKey string) (Report, error) {
	var s Signed
	var r Report
	if err := json.Unmarshal(file, &s); err != nil || len(s.Report) == 0 {
		return r, fmt.Errorf("not a ChargeDesk access report (JSON with report, key and signature)")
	}
	if s.Key != publicKey {
		return r, fmt.Errorf("signed by key %s, not by the key you checked against (%s)", s.Key, publicKey)
	}
	raw, err := compact(s.Report)
	if err != nil {
		return r, err
	}
	if !audit.VerifyStatement(publicKey, Kind, raw, s.Signature) {
		return r, fmt.Errorf("the signature does not match the report: it was changed after it was signed")
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Kind != Kind || r.V != 1 {
		return r, fmt.Errorf("the signed document is not an access report of a version this ChargeDesk reads")
	}
	cpRaw, err := compact(r.Checkpoint.Body)
	if err != nil {
		return r, err
	}
	cp, ok := audit.OpenCheckpointWith(publicKey, cpRaw, r.Checkpoint.Sig)
	if !ok {
		return r, fmt.Errorf("the checkpoint the report carries is not signed by this key")
	}
	if cp.Auth.ID != r.Rows.UpToAuth || cp.Routes.ID != r.Rows.UpToRoutes {
		return r, fmt.Errorf("the report says it covers up to rows %d and %d, its checkpoint says %d and %d",
			r.Rows.UpToAuth, r.Rows.UpToRoutes, cp.Auth.ID, cp.Routes.ID)
	}
	return r, nil
}

func compact(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, fmt.Errorf("not a ChargeDesk access report: %w", err)
	}
	return buf.Bytes(), nil
}
