package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/errs"
	"chargedesk/queries"
)

// Registration is a new charge point as an admin registers it in the console.
type Registration struct {
	OCPPID, Name, Vendor, Model string
	Location                    int64
	OwnerEmail                  string // a home charger's owner; empty for a public one
	Connectors                  int    // how many, one per EVSE
	Standard                    string // Type2 (AC), CCS or CHAdeMO (DC)
	MaxPowerW                   int64
	Tariff                      int64
	HeartbeatS                  int64
}

// ocppIDPattern is what a chargeBoxId may be here: it is the last part of the endpoint's
// path, so letters, digits and . _ - only (at most 48, as OCPP 1.6's identity).
var ocppIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,48}$`)

func (g Registration) check() error {
	switch {
	case !ocppIDPattern.MatchString(g.OCPPID):
		return errs.Invalidf("The charge point id (chargeBoxId) is 1 to 48 letters, digits, dots, dashes or underscores; it is the last part of the charger's OCPP address.")
	case strings.TrimSpace(g.Name) == "" || len(g.Name) > 100:
		return errs.Invalidf("Give the charger a name of at most 100 characters (drivers see it).")
	case strings.TrimSpace(g.Vendor) == "" || len(g.Vendor) > 50 || strings.TrimSpace(g.Model) == "" || len(g.Model) > 50:
		return errs.Invalidf("Give the vendor and model, each at most 50 characters.")
	case g.Connectors < 1 || g.Connectors > 8:
		return errs.Invalidf("A charger has 1 to 8 connectors.")
	case g.Standard != "Type2" && g.Standard != "CCS" && g.Standard != "CHAdeMO":
		return errs.Invalidf("Choose the connectors' standard: Type2, CCS or CHAdeMO.")
	case g.MaxPowerW < 1000 || g.MaxPowerW > 400_000:
		return errs.Invalidf("The maximum power is 1 to 400 kW.")
	case g.HeartbeatS < 30 || g.HeartbeatS > 3600:
		return errs.Invalidf("The heartbeat interval is 30 to 3600 seconds.")
	}
	return nil
}

// Register adds a charge point with its connectors (one EVSE each) and gives it a password,
// returned to be shown once; recorded as admin.charger_register. A home charger needs its
// owner's email, a public one none.
func (c *Central) Register(ctx context.Context, trail *audit.Trail, r AdminRequest, g Registration) (int64, string, error) {
	if err := r.check(); err != nil {
		return 0, "", err
	}
	if err := g.check(); err != nil {
		return 0, "", err
	}
	password := NewPassword()
	var id int64
	err := c.db.Tx(ctx, func(tx *sql.Tx) error {
		q := c.inTx(tx)
		kind, err := q.GetLocationKind(ctx, g.Location)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Invalidf("Choose the charger's location from the list.")
		} else if err != nil {
			return err
		}
		if n, err := q.TariffExists(ctx, g.Tariff); err != nil {
			return err
		} else if n == 0 {
			return errs.Invalidf("Choose the connectors' tariff from the list.")
		}
		var owner sql.NullInt64
		switch {
		case kind == "home" && g.OwnerEmail == "":
			return errs.Invalidf("A charger at a home location needs its owner: the customer's email.")
		case kind == "public" && g.OwnerEmail != "":
			return errs.Invalidf("A charger at a public location has no owner; leave the owner's email empty.")
		case g.OwnerEmail != "":
			o, err := q.CustomerIDByEmail(ctx, strings.TrimSpace(g.OwnerEmail))
			if errors.Is(err, sql.ErrNoRows) {
				return errs.Invalidf("No customer has the email %s.", g.OwnerEmail)
			} else if err != nil {
				return err
			}
			owner = sql.NullInt64{Int64: o, Valid: true}
		}
		id, err = q.InsertCharger(ctx, queries.InsertChargerParams{LocationID: g.Location, OwnerUserID: owner, OcppID: g.OCPPID,
			Name: strings.TrimSpace(g.Name), Vendor: strings.TrimSpace(g.Vendor), Model: strings.TrimSpace(g.Model), MaxPowerW: g.MaxPowerW,
			HeartbeatIntervalS: g.HeartbeatS, OcppPasswordSha256: PasswordHash(password)})
		if db.IsConstraint(err, "chargers.ocpp_id") {
			return errs.Conflictf("A charger with the id %s is already registered.", g.OCPPID)
		} else if err != nil {
			return err
		}
		power := "DC"
		if g.Standard == "Type2" {
			power = "AC"
		}
		for n := 1; n <= g.Connectors; n++ {
			evse, err := q.InsertEVSE(ctx, queries.InsertEVSEParams{ChargerID: id, EvseUid: fmt.Sprintf("DE*CDK*E%s*%d", g.OCPPID, n)})
			if db.IsConstraint(err, "evses.evse_uid") {
				return errs.Conflictf("The EVSE ids of %s are taken; choose another charge point id.", g.OCPPID)
			} else if err != nil {
				return err
			}
			if err := q.InsertConnector(ctx, queries.InsertConnectorParams{EvseID: evse, Standard: g.Standard, PowerType: power,
				MaxPowerW: g.MaxPowerW, TariffID: g.Tariff}); err != nil {
				return err
			}
		}
		r.Charger = id
		_, err = record(ctx, tx, trail, r, "admin.charger_register", map[string]any{"connectors": g.Connectors, "standard": g.Standard,
			"max_power_w": g.MaxPowerW, "location_id": g.Location, "owner_user_id": owner.Int64})
		return err
	})
	return id, password, err
}
