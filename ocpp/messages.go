package ocpp

import "time"

// The payloads of OCPP 1.6J that ChargeDesk uses, as the 1.6 JSON schemas name their fields.

type BootNotificationReq struct {
	ChargePointVendor       string `json:"chargePointVendor"`
	ChargePointModel        string `json:"chargePointModel"`
	ChargePointSerialNumber string `json:"chargePointSerialNumber,omitempty"`
	ChargeBoxSerialNumber   string `json:"chargeBoxSerialNumber,omitempty"`
	FirmwareVersion         string `json:"firmwareVersion,omitempty"`
	MeterType               string `json:"meterType,omitempty"`
}

type BootNotificationConf struct {
	Status      string    `json:"status"` // Accepted, Pending, Rejected
	CurrentTime time.Time `json:"currentTime"`
	Interval    int       `json:"interval"` // heartbeat, seconds
}

type HeartbeatConf struct {
	CurrentTime time.Time `json:"currentTime"`
}

type StatusNotificationReq struct {
	ConnectorID     *int       `json:"connectorId"`
	ErrorCode       string     `json:"errorCode"`
	Info            string     `json:"info,omitempty"`
	Status          string     `json:"status"`
	Timestamp       *time.Time `json:"timestamp,omitempty"`
	VendorID        string     `json:"vendorId,omitempty"`
	VendorErrorCode string     `json:"vendorErrorCode,omitempty"`
}

type IDTagInfo struct {
	Status      string     `json:"status"` // Accepted, Blocked, Expired, Invalid, ConcurrentTx
	ExpiryDate  *time.Time `json:"expiryDate,omitempty"`
	ParentIDTag string     `json:"parentIdTag,omitempty"`
}

type AuthorizeReq struct {
	IDTag string `json:"idTag"`
}

type AuthorizeConf struct {
	IDTagInfo IDTagInfo `json:"idTagInfo"`
}

type StartTransactionReq struct {
	ConnectorID   *int       `json:"connectorId"`
	IDTag         string     `json:"idTag"`
	MeterStart    *int64     `json:"meterStart"`
	ReservationID *int64     `json:"reservationId,omitempty"`
	Timestamp     *time.Time `json:"timestamp"`
}

type StartTransactionConf struct {
	IDTagInfo     IDTagInfo `json:"idTagInfo"`
	TransactionID int64     `json:"transactionId"`
}

type SampledValue struct {
	Value     string `json:"value"`
	Context   string `json:"context,omitempty"`
	Format    string `json:"format,omitempty"`
	Measurand string `json:"measurand,omitempty"`
	Phase     string `json:"phase,omitempty"`
	Location  string `json:"location,omitempty"`
	Unit      string `json:"unit,omitempty"`
}

type MeterValue struct {
	Timestamp    *time.Time     `json:"timestamp"`
	SampledValue []SampledValue `json:"sampledValue"`
}

type MeterValuesReq struct {
	ConnectorID   *int         `json:"connectorId"`
	TransactionID *int64       `json:"transactionId,omitempty"`
	MeterValue    []MeterValue `json:"meterValue"`
}

type StopTransactionReq struct {
	IDTag           string       `json:"idTag,omitempty"`
	MeterStop       *int64       `json:"meterStop"`
	Timestamp       *time.Time   `json:"timestamp"`
	TransactionID   *int64       `json:"transactionId"`
	Reason          string       `json:"reason,omitempty"`
	TransactionData []MeterValue `json:"transactionData,omitempty"`
}

type StopTransactionConf struct {
	IDTagInfo *IDTagInfo `json:"idTagInfo,omitempty"`
}

type DataTransferReq struct {
	VendorID  string `json:"vendorId"`
	MessageID string `json:"messageId,omitempty"`
	Data      string `json:"data,omitempty"`
}

type DataTransferConf struct {
	Status string `json:"status"` // Accepted, Rejected, UnknownMessageId, UnknownVendorId
}

// Calls from the central system to the charge point.

type RemoteStartTransactionReq struct {
	ConnectorID int    `json:"connectorId,omitempty"`
	IDTag       string `json:"idTag"`
}

type RemoteStopTransactionReq struct {
	TransactionID int64 `json:"transactionId"`
}

type ReserveNowReq struct {
	ConnectorID   int       `json:"connectorId"`
	ExpiryDate    time.Time `json:"expiryDate"`
	IDTag         string    `json:"idTag"`
	ReservationID int64     `json:"reservationId"`
}

type CancelReservationReq struct {
	ReservationID int64 `json:"reservationId"`
}

type UnlockConnectorReq struct {
	ConnectorID int `json:"connectorId"`
}

type ResetReq struct {
	Type string `json:"type"` // Hard, Soft
}

// StatusConf is the answer of every call above: {"status": …}.
type StatusConf struct {
	Status string `json:"status"`
}

// Empty is the payload of Heartbeat.req and of the answers with no fields.
type Empty struct{}
