package central

import (
	"context"
	"encoding/json"

	"chargedesk/ocpp"
)

// Handle is handle, for the external tests (which need the seeded demo, whose package
// imports this one).
func (c *Central) Handle(ctx context.Context, cp *ocpp.Conn, action string, payload json.RawMessage) (any, error) {
	return c.handle(ctx, cp, action, payload)
}

// Connected and Disconnected are what the OCPP server tells the central system.
func (c *Central) Connected(cp *ocpp.Conn)    { c.connected(cp) }
func (c *Central) Disconnected(cp *ocpp.Conn) { c.disconnected(cp) }
