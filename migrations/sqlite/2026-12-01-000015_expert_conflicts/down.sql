DROP TABLE report_experts;
DROP TABLE expert_conflicts;
