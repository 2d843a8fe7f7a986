-- Support searches customers by email domain ("@example.com"): the domain part, lower case,
-- in id order, so a page of a large company's drivers is read without visiting the others.
CREATE INDEX users_email_domain ON users (lower(substr(email, instr(email, '@') + 1)), id) WHERE role = 'customer';
