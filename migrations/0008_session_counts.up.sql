-- How many charging sessions each customer has, kept by triggers so the home page reads one
-- row instead of walking a fleet's history (a fleet has hundreds of thousands of sessions).
CREATE TABLE user_session_counts (
    user_id  INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sessions INTEGER NOT NULL CHECK (sessions >= 0)
);

INSERT INTO user_session_counts (user_id, sessions)
SELECT user_id, count(*) FROM charging_sessions GROUP BY user_id;

CREATE TRIGGER charging_sessions_count_insert AFTER INSERT ON charging_sessions BEGIN
    INSERT INTO user_session_counts (user_id, sessions) VALUES (NEW.user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET sessions = sessions + 1;
END;
CREATE TRIGGER charging_sessions_count_delete AFTER DELETE ON charging_sessions BEGIN
    UPDATE user_session_counts SET sessions = sessions - 1 WHERE user_id = OLD.user_id;
END;
CREATE TRIGGER charging_sessions_count_move AFTER UPDATE OF user_id ON charging_sessions
WHEN NEW.user_id IS NOT OLD.user_id BEGIN
    UPDATE user_session_counts SET sessions = sessions - 1 WHERE user_id = OLD.user_id;
    INSERT INTO user_session_counts (user_id, sessions) VALUES (NEW.user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET sessions = sessions + 1;
END;
