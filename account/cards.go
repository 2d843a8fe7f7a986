package account

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"

	"chargedesk/errs"
	"chargedesk/queries"
	"chargedesk/text"
)

var cardName = text.Field{Name: "The card's name", Max: 60, Required: true}

// AddCard orders a new EV card under the customer's contract and returns its printed number.
func AddCard(ctx context.Context, tx *sql.Tx, ch Change, label string) (string, error) {
	label, err := cardName.Check(label)
	if err != nil {
		return "", errs.Invalidf("Give the card a name of 1 to 60 characters, e.g. “Family car”. %s", err.(*errs.Error).Message)
	}
	q := queries.New(tx)
	if err := ch.begin(ctx, q); err != nil {
		return "", err
	}
	serial, err := q.NextCardSerial(ctx)
	if err != nil {
		return "", err
	}
	uid := make([]byte, 7)
	rand.Read(uid)
	number := fmt.Sprintf("DE-EVX-%06d", serial)
	if _, err := q.InsertCard(ctx, queries.InsertCardParams{
		ActingAs: ch.Customer, VisualNumber: number, Uid: strings.ToUpper(hex.EncodeToString(uid)),
		ContractID: fmt.Sprintf("DE*CDK*C%07d", ch.Customer*10), Label: label, CreatedAt: ch.Now.Unix(),
	}); err != nil {
		return "", err
	}
	return number, ch.log(ctx, q, "card", fmt.Sprintf("Ordered EV card %s (%s)", number, label))
}

// BlockCard blocks an active card so it can no longer start sessions.
func BlockCard(ctx context.Context, tx *sql.Tx, ch Change, id int64) error {
	q := queries.New(tx)
	if err := ch.begin(ctx, q); err != nil {
		return err
	}
	card, err := BlockableCard(ctx, q, ch.Customer, id)
	if err != nil {
		return err
	}
	if _, err := q.BlockCard(ctx, queries.BlockCardParams{ID: id, ActingAs: ch.Customer}); err != nil {
		return err
	}
	return ch.log(ctx, q, "card", "Blocked EV card "+card.VisualNumber)
}
