package support

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/format"
	"chargedesk/queries"
)

// PlanRestore checks that a reservation can be restored: cancelled, its window still ahead,
// not restored before.
func PlanRestore(ctx context.Context, q *queries.Queries, t Tool, id int64) (queries.Reservation, error) {
	r, err := q.GetReservation(ctx, queries.GetReservationParams{ID: id, ActingAs: t.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf("This reservation")
	} else if err != nil {
		return r, err
	}
	restored, err := q.RestoredCopyOf(ctx, queries.RestoredCopyOfParams{ID: sql.NullInt64{Int64: id, Valid: true}, ActingAs: t.Customer})
	switch {
	case err != nil:
		return r, err
	case r.Status != "cancelled":
		return r, errs.Invalidf("Only a cancelled reservation can be restored; this one is %s.", r.Status)
	case r.StartsAt <= t.Now.Unix():
		return r, errs.Invalidf("This reservation's window has started or passed (%s), so it can no longer be restored.", format.When(r.StartsAt))
	case restored > 0:
		return r, errs.Invalidf("This reservation has already been restored.")
	}
	return r, nil
}

// RestoreReservation brings a cancelled reservation back as a new one pointing at it.
func RestoreReservation(ctx context.Context, tx *sql.Tx, trail *audit.Trail, t Tool, id int64) (Done, error) {
	return commit(ctx, tx, trail, t, "admin.reservation_restore", func(q *queries.Queries) (string, map[string]any, error) {
		r, err := PlanRestore(ctx, q, t, id)
		if err != nil {
			return "", nil, err
		}
		n, err := q.CountOverlappingReservations(ctx, queries.CountOverlappingReservationsParams{EvseID: r.EvseID, StartsAt: r.StartsAt, EndsAt: r.EndsAt})
		if err != nil {
			return "", nil, err
		}
		if n > 0 {
			return "", nil, errs.Conflictf("Someone else has reserved that charge point in that window since; it cannot be restored.")
		}
		newID, err := q.InsertRestoredReservation(ctx, queries.InsertRestoredReservationParams{
			ActingAs: t.Customer, EvseID: r.EvseID, CardID: r.CardID, StartsAt: r.StartsAt, EndsAt: r.EndsAt,
			RestoredFromID: sql.NullInt64{Int64: r.ID, Valid: true}, CreatedAt: t.Now.Unix(),
		})
		if err != nil {
			return "", nil, err
		}
		return "Support restored your reservation for " + format.When(r.StartsAt),
			map[string]any{"reservation_id": r.ID, "restored_reservation_id": newID}, nil
	})
}

// PlanReissue checks that a card can be re-issued: not replaced already.
func PlanReissue(ctx context.Context, q *queries.Queries, t Tool, id int64) (queries.EvCard, error) {
	card, err := q.GetCard(ctx, queries.GetCardParams{ID: id, ActingAs: t.Customer})
	if errors.Is(err, sql.ErrNoRows) {
		return card, errs.NotFoundf("This card")
	} else if err != nil {
		return card, err
	}
	if card.Status == "replaced" {
		return card, errs.Invalidf("Card %s has already been replaced.", card.VisualNumber)
	}
	return card, nil
}

// ReissueCard marks a card replaced and issues a new one with a new printed number on the
// same contract.
func ReissueCard(ctx context.Context, tx *sql.Tx, trail *audit.Trail, t Tool, id int64) (Done, error) {
	return commit(ctx, tx, trail, t, "admin.card_reissue", func(q *queries.Queries) (string, map[string]any, error) {
		card, err := PlanReissue(ctx, q, t, id)
		if err != nil {
			return "", nil, err
		}
		number, newID, err := newCard(ctx, q, t, card)
		if err != nil {
			return "", nil, err
		}
		n, err := q.ReplaceCard(ctx, queries.ReplaceCardParams{ID: card.ID, ActingAs: t.Customer, ReplacedByID: sql.NullInt64{Int64: newID, Valid: true}})
		if err != nil {
			return "", nil, err
		}
		if n != 1 {
			return "", nil, errs.Conflictf("Card %s changed meanwhile; reload the page.", card.VisualNumber)
		}
		return fmt.Sprintf("Support re-issued card %s as %s (same contract)", card.VisualNumber, number),
			map[string]any{"card_id": card.ID, "new_card_id": newID, "new_visual_number": number}, nil
	})
}
