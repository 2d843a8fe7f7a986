DROP INDEX refunds_user;
