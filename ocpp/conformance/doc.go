// Package conformance holds protocol tests of ChargeDesk's OCPP 1.6J endpoint, driven by a
// charge point client written here from the OCPP-J specification alone: its own WebSocket
// library (gorilla/websocket, not the server's), its own frames and payloads as plain JSON.
// It shares no code with the server's ocpp, central or chargepoint packages, so a mistake
// made twice cannot pass unnoticed.
package conformance
