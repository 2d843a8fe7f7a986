DROP INDEX charging_sessions_clock;
