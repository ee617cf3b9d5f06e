DROP TABLE civil_society_inputs;
DROP TABLE civil_society_windows;
