DROP INDEX payment_methods_user_default;
DROP INDEX ev_cards_user_status;
