package charging

import (
	"context"
	"database/sql"

	"chargedesk/queries"
	"chargedesk/tariff"
)

// LoadTariff reads a tariff with its elements and components.
func LoadTariff(ctx context.Context, q *queries.Queries, id int64) (tariff.Tariff, error) {
	t, err := q.GetTariff(ctx, id)
	if err != nil {
		return tariff.Tariff{}, err
	}
	out := tariff.Tariff{ID: t.ID, Name: t.Name, Currency: t.Currency, LastUpdated: t.LastUpdated}
	if t.MinPriceCents.Valid {
		out.MinPriceCents = &t.MinPriceCents.Int64
	}
	if t.MaxPriceCents.Valid {
		out.MaxPriceCents = &t.MaxPriceCents.Int64
	}
	rows, err := q.ListTariffComponents(ctx, id)
	if err != nil {
		return tariff.Tariff{}, err
	}
	var last int64 = -1
	for _, r := range rows {
		if r.ElementID != last {
			out.Elements = append(out.Elements, tariff.Element{Restrictions: tariff.Restrictions{
				StartMinute: ptr(r.StartMinute), EndMinute: ptr(r.EndMinute), Weekdays: ptr(r.Weekdays),
				MinWh: ptr(r.MinWh), MaxWh: ptr(r.MaxWh), MinDurationS: ptr(r.MinDurationS), MaxDurationS: ptr(r.MaxDurationS),
				MinPowerW: ptr(r.MinPowerW), MaxPowerW: ptr(r.MaxPowerW),
			}})
			last = r.ElementID
		}
		el := &out.Elements[len(out.Elements)-1]
		el.Components = append(el.Components, tariff.Component{Type: r.Type, Price: r.Price, VatBP: r.VatBp, StepSize: r.StepSize})
	}
	return out, nil
}

func ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}
