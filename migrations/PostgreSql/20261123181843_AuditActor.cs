using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdP.Server.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class AuditActor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Actor",
                table: "IdpAuditEvents",
                type: "character varying(300)",
                maxLength: 300,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Actor",
                table: "IdpAuditEvents");
        }
    }
}
