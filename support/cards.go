package support

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"chargedesk/queries"
)

// newCard issues the replacement of card: a new printed number and RFID UID, same contract
// and name.
func newCard(ctx context.Context, q *queries.Queries, t Tool, card queries.EvCard) (string, int64, error) {
	serial, err := q.NextCardSerial(ctx)
	if err != nil {
		return "", 0, err
	}
	uid := make([]byte, 7)
	rand.Read(uid)
	number := fmt.Sprintf("DE-EVX-%06d", serial)
	id, err := q.InsertReissuedCard(ctx, queries.InsertReissuedCardParams{
		ActingAs: t.Customer, VisualNumber: number, Uid: strings.ToUpper(hex.EncodeToString(uid)),
		ContractID: card.ContractID, Label: card.Label, CreatedAt: t.Now.Unix(),
	})
	return number, id, err
}
