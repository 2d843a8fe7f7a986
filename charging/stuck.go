package charging

import (
	"database/sql"
	"time"
)

// StuckReasons says why an ACTIVE session looks stuck (DOMAIN.md), empty when it does not.
func StuckReasons(now time.Time, startedAt int64, lastSeen sql.NullInt64, heartbeat int64, connectorStatus string, lastReading int64) []string {
	var why []string
	if !lastSeen.Valid || now.Unix()-lastSeen.Int64 > 3*heartbeat {
		why = append(why, "the charger has not been seen for more than three heartbeats")
	}
	switch connectorStatus {
	case "Available", "Faulted", "Unavailable":
		why = append(why, "the connector reports "+connectorStatus)
	}
	if lastReading == 0 || now.Unix()-lastReading > 30*60 {
		why = append(why, "no meter reading for more than 30 minutes")
	}
	if now.Unix()-startedAt > 24*3600 {
		why = append(why, "open for more than 24 hours")
	}
	return why
}
