using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IdP.Server.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class GatewayKeysAndActivation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Set",
                table: "IdpSigningKeys",
                type: "character varying(10)",
                maxLength: 10,
                nullable: false,
                defaultValue: "general");

            migrationBuilder.AddColumn<string>(
                name: "ActivationCodeDigest",
                table: "AspNetUsers",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ActivationCodeExpiresAt",
                table: "AspNetUsers",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "ActivationWaived",
                table: "AspNetUsers",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Set",
                table: "IdpSigningKeys");

            migrationBuilder.DropColumn(
                name: "ActivationCodeDigest",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "ActivationCodeExpiresAt",
                table: "AspNetUsers");

            migrationBuilder.DropColumn(
                name: "ActivationWaived",
                table: "AspNetUsers");
        }
    }
}
