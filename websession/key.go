package websession

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"chargedesk/queries"
)

const keySetting = "session_hash_key"

// LoadKey returns the cookie signing key: fromEnv when given (at least 32 bytes), otherwise
// the key kept in settings, generated on first start.
func LoadKey(ctx context.Context, w *sql.DB, fromEnv string) ([]byte, error) {
	if fromEnv != "" {
		if len(fromEnv) < 32 {
			return nil, errors.New("CHARGEDESK_SESSION_KEY must be at least 32 characters")
		}
		return []byte(fromEnv), nil
	}
	q := queries.New(w)
	fresh := make([]byte, 64)
	rand.Read(fresh)
	if err := q.InsertSettingIfAbsent(ctx, queries.InsertSettingIfAbsentParams{Key: keySetting, Value: fresh}); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	key, err := q.GetSetting(ctx, keySetting)
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	return key, nil
}
