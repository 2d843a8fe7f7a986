package handlers

// A charger's protocol log in words: one line per message ("Connector 1 is Charging",
// "Meter on connector 2: 13.50 kWh, 17.6 kW, battery 52 %"), the JSON behind a disclosure,
// and which lines are problems (errors, refusals, faults, ChargeDesk's warnings).

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
)

// chargerCalls are the actions a charge point sends (OCPP 1.6 §4); the others are
// ChargeDesk's calls to it.
var chargerCalls = map[string]bool{
	"Authorize": true, "BootNotification": true, "DataTransfer": true, "DiagnosticsStatusNotification": true,
	"FirmwareStatusNotification": true, "Heartbeat": true, "MeterValues": true, "StartTransaction": true,
	"StatusNotification": true, "StopTransaction": true,
}

// logLine is one protocol log row as the charger page shows it.
type logLine struct {
	At, ISO, Direction, Action string
	Words                      string // the message in one line
	Message                    string // as stored (JSON, or a note's text)
	Problem                    bool
}

// refusals are answer statuses that mean "no".
var refusals = map[string]bool{"Rejected": true, "Invalid": true, "Blocked": true, "Expired": true, "ConcurrentTx": true,
	"Faulted": true, "Occupied": true, "Unavailable": true, "NotSupported": true, "UnlockFailed": true, "UnknownVendorId": true}

// protocolLine words one row of a charger's protocol log.
func protocolLine(direction, action, message string) (string, bool) {
	if direction == "note" {
		return "ChargeDesk: " + message, noteIsProblem(action, message)
	}
	body, callErr, hasErr := strings.Cut(message, "CALLERROR ")
	if hasErr {
		return fmt.Sprintf("%s refused with %s", action, strings.TrimSpace(callErr)), true
	}
	var m map[string]any
	json.Unmarshal([]byte(strings.TrimSpace(body)), &m)
	fromCharger := chargerCalls[action]
	status := answerStatus(m)
	switch {
	case direction == "in" && fromCharger:
		return chargerSaid(action, m)
	case direction == "out" && fromCharger:
		s := "ChargeDesk answered " + action
		if status != "" {
			s += ": " + status
		}
		if tx, ok := m["transactionId"].(float64); ok && tx > 0 {
			s += fmt.Sprintf(", transaction %d", int64(tx))
		}
		return s, refusals[status]
	case direction == "out":
		return "ChargeDesk asked the charger: " + action + argsOf(m), false
	}
	s := "The charger answered " + action
	if status != "" {
		s += ": " + status
	}
	return s, refusals[status]
}

// problemNotes are the words of ChargeDesk's notes that say something went wrong; its other
// notes say what a message did ("session #67 completed; receipt #65 issued").
var problemNotes = []string{"refused", "ignored", "wrong", "still open", "held for review", "not registered", "not one of",
	"no answer", "ended before", "Faulted", "Unavailable", "stuck", "no vendor", "implausible"}

func noteIsProblem(action, message string) bool {
	if action == "Disconnected" {
		return true
	}
	for _, w := range problemNotes {
		if strings.Contains(message, w) {
			return true
		}
	}
	return false
}

// answerStatus is an answer's status (its own or its idTagInfo's).
func answerStatus(m map[string]any) string {
	if s, ok := m["status"].(string); ok {
		return s
	}
	if info, ok := m["idTagInfo"].(map[string]any); ok {
		s, _ := info["status"].(string)
		return s
	}
	return ""
}

func argsOf(m map[string]any) string {
	if n, ok := m["connectorId"].(float64); ok {
		return fmt.Sprintf(" (connector %d)", int64(n))
	}
	if t, ok := m["type"].(string); ok {
		return " (" + t + ")"
	}
	return ""
}

// chargerSaid words a call from the charge point.
func chargerSaid(action string, m map[string]any) (string, bool) {
	str := func(k string) string { s, _ := m[k].(string); return s }
	num := func(k string) int64 { n, _ := m[k].(float64); return int64(n) }
	switch action {
	case "Heartbeat":
		return "Heartbeat", false
	case "BootNotification":
		s := "Booted: " + strings.TrimSpace(str("chargePointVendor")+" "+str("chargePointModel"))
		if f := str("firmwareVersion"); f != "" {
			s += ", firmware " + f
		}
		return s, false
	case "StatusNotification":
		s := fmt.Sprintf("Connector %d is %s", num("connectorId"), str("status"))
		code := str("errorCode")
		if code != "" && code != "NoError" {
			s += " — error " + code
			if info := str("info"); info != "" {
				s += " (" + info + ")"
			}
			return s, true
		}
		return s, str("status") == "Faulted"
	case "Authorize":
		return "Asked whether card " + maskUID(str("idTag")) + " may charge", false
	case "StartTransaction":
		return fmt.Sprintf("Started charging on connector %d with card %s, meter at %s", num("connectorId"), maskUID(str("idTag")), kwh(num("meterStart"))), false
	case "StopTransaction":
		s := fmt.Sprintf("Stopped transaction %d, meter at %s", num("transactionId"), kwh(num("meterStop")))
		if r := str("reason"); r != "" {
			s += " (" + r + ")"
		}
		return s, false
	case "MeterValues":
		return meterWords(num("connectorId"), m), false
	}
	return action, false
}

// meterWords is the newest sample of a MeterValues: "Meter on connector 1: 13.50 kWh, 17.6 kW,
// battery 52 %".
func meterWords(connector int64, m map[string]any) string {
	s := fmt.Sprintf("Meter on connector %d", connector)
	values, _ := m["meterValue"].([]any)
	if len(values) == 0 {
		return s + ": no samples"
	}
	last, _ := values[len(values)-1].(map[string]any)
	sampled, _ := last["sampledValue"].([]any)
	var parts []string
	for _, x := range sampled {
		v, _ := x.(map[string]any)
		value, _ := v["value"].(string)
		measurand, _ := v["measurand"].(string)
		unit, _ := v["unit"].(string)
		switch measurand {
		case "", "Energy.Active.Import.Register":
			parts = append(parts, value+" "+cmp.Or(unit, "Wh"))
		case "Power.Active.Import":
			parts = append(parts, value+" "+cmp.Or(unit, "W"))
		case "SoC":
			parts = append(parts, "battery "+value+" %")
		}
	}
	if len(parts) == 0 {
		return s
	}
	return s + ": " + strings.Join(parts, ", ")
}
