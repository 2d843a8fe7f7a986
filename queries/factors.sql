-- name: ListFactors :many
-- A user's second factors, confirmed first, newest first.
SELECT * FROM user_factors WHERE user_id = @user_id ORDER BY confirmed_at IS NULL, id DESC;

-- name: ConfirmedFactors :many
SELECT * FROM user_factors WHERE user_id = @user_id AND confirmed_at IS NOT NULL AND kind = @kind ORDER BY id;

-- name: CountFactors :one
SELECT count(*) FROM user_factors WHERE user_id = @user_id AND confirmed_at IS NOT NULL;

-- name: GetFactor :one
SELECT * FROM user_factors WHERE id = @id AND user_id = @user_id;

-- name: AddFactor :one
INSERT INTO user_factors (user_id, kind, name, secret, credential_id, credential, created_at, created_by, confirmed_at)
VALUES (@user_id, @kind, @name, @secret, @credential_id, @credential, @created_at, @created_by, @confirmed_at)
RETURNING id;

-- name: ConfirmFactor :execrows
UPDATE user_factors SET confirmed_at = @now, last_used_at = @now, last_step = @step
WHERE id = @id AND user_id = @user_id AND confirmed_at IS NULL;

-- name: UseTOTPStep :execrows
-- Accepts a TOTP code once: the step must be newer than the last one accepted.
UPDATE user_factors SET last_used_at = @now, last_step = @step
WHERE id = @id AND confirmed_at IS NOT NULL AND last_step < @step;

-- name: UsePasskey :exec
UPDATE user_factors SET last_used_at = @now, credential = @credential WHERE id = @id;

-- name: DeleteFactor :execrows
DELETE FROM user_factors WHERE id = @id AND user_id = @user_id;

-- name: DeleteUnconfirmedFactors :exec
DELETE FROM user_factors WHERE user_id = @user_id AND confirmed_at IS NULL AND kind = @kind;

-- name: DeleteAllFactors :execrows
DELETE FROM user_factors WHERE user_id = @user_id;

-- name: AddRecoveryCode :exec
INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (@user_id, @code_hash, @created_at);

-- name: UseRecoveryCode :execrows
UPDATE recovery_codes SET used_at = @now WHERE user_id = @user_id AND code_hash = @code_hash AND used_at IS NULL;

-- name: CountRecoveryCodes :one
SELECT count(*) FROM recovery_codes WHERE user_id = @user_id AND used_at IS NULL;

-- name: DeleteRecoveryCodes :exec
DELETE FROM recovery_codes WHERE user_id = @user_id;

-- name: SetSessionFactor :exec
-- This session just used a factor: the step-up window counts from now.
UPDATE web_sessions SET factor = @factor, factor_at = @factor_at WHERE id = @id;
