-- name: GetUserForAuth :one
-- Reads the logged-in user on every request, so role and status are never cached.
SELECT * FROM users WHERE id = ?;

-- name: GetUserByEmailForAuth :one
SELECT * FROM users WHERE email = ? COLLATE NOCASE;

-- name: CreateUser :one
INSERT INTO users (public_id, email, name, password_hash, role, status, created_at)
VALUES (?, ?, ?, ?, ?, 'active', ?)
RETURNING *;

-- name: CountUsers :one
SELECT count(*) FROM users;

-- name: CountCustomers :one
SELECT count(*) FROM users WHERE role = 'customer';


-- name: GetPasswordHash :one
-- A signed-in user's password hash, to check their current password before a change.
SELECT password_hash FROM users WHERE id = ? AND status = 'active';

-- name: CountUsersByEmail :one
-- Whether an account with this email exists (serve --demo: is this the demo's database?).
SELECT count(*) FROM users WHERE email = @email;
